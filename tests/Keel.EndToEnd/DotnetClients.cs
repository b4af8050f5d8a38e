using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace Keel.EndToEnd;

/// <summary>The official OpenAI .NET SDK pointed at a gateway, as an application would configure it.</summary>
internal static class DotnetClients
{
    /// <summary>No client retries, so what the test sees is what the gateway did.</summary>
    public static ChatClient Chat(GatewayFixture gateway, string model, string? apiKey = null) =>
        new OpenAIClient(new ApiKeyCredential(apiKey ?? gateway.ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.OpenAiBaseUrl),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(20),
        }).GetChatClient(model);

    public static string Header(ClientResult result, string name) =>
        result.GetRawResponse().Headers.TryGetValue(name, out var value) && value is not null
            ? value
            : throw new Xunit.Sdk.XunitException($"the response has no {name} header");
}
