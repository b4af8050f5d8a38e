using Keel.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.ChatClients;

/// <summary>Adds Keel to an <see cref="IChatClient"/> pipeline.</summary>
public static class KeelChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="KeelChatClient"/> as the next stage of the pipeline: each call becomes a journaled, routed,
    /// capped, traced and metered model step of the current Keel task (see <see cref="KeelChatClient"/> for the rules).
    /// Add it last, next to the provider, so that each model round trip is a step of its own.
    /// </summary>
    /// <param name="runtime">
    /// Records calls made outside a task; null takes the <see cref="AgentRuntime"/> registered by <c>AddKeel</c>, if any.
    /// </param>
    /// <param name="defaultModel">The alias for requests that set no <see cref="ChatOptions.ModelId"/>.</param>
    /// <param name="configure">Sets the client's other properties, such as <see cref="KeelChatClient.CustomerId"/>.</param>
    public static ChatClientBuilder UseKeel(this ChatClientBuilder builder, AgentRuntime? runtime = null, string? defaultModel = null, Action<KeelChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) =>
        {
            var client = new KeelChatClient(innerClient, runtime ?? services.GetService<AgentRuntime>()) { DefaultModel = defaultModel };
            configure?.Invoke(client);
            return client;
        });
    }
}
