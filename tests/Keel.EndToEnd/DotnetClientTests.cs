using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>The official OpenAI .NET SDK against a real `keel serve` whose upstream is the mock.</summary>
public sealed class DotnetClientTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_completion_has_the_answer_the_usage_and_the_model()
    {
        ChatCompletion completion = await DotnetClients.Chat(gateway, "gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hello from the OpenAI .NET SDK")], cancellationToken: Cancel);

        Assert.Equal("Mock answer to: Hello from the OpenAI .NET SDK", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal("gpt-4o-mini", completion.Model);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Equal(9, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task A_stream_assembles_the_answer_and_ends_with_the_usage()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in DotnetClients.Chat(gateway, "gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("Stream to the OpenAI .NET SDK")], cancellationToken: Cancel))
        {
            updates++;
            Assert.Null(usage); // nothing after the usage
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }

        Assert.Equal("Mock answer to: Stream to the OpenAI .NET SDK", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.True(updates > 2, $"{updates} updates");
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0);
        Assert.Equal(9, usage.OutputTokenCount);
    }

    [Fact]
    public async Task A_tool_call_comes_back_with_parsed_arguments_and_its_result_gets_an_answer()
    {
        var chat = DotnetClients.Chat(gateway, "gpt-4o-mini");
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_weather", "The current weather in a city.", BinaryData.FromString("""
                    {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}
                    """)),
            },
        };
        List<ChatMessage> messages = [new UserChatMessage("What is the weather in Porto?")];

        ChatCompletion first = await chat.CompleteChatAsync(messages, options, Cancel);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        using (var arguments = JsonDocument.Parse(call.FunctionArguments))
        {
            Assert.Equal("x", arguments.RootElement.GetProperty("city").GetString());
            Assert.Equal("celsius", arguments.RootElement.GetProperty("unit").GetString());
        }

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, """{"temperature_c":19}"""));
        ChatCompletion second = await chat.CompleteChatAsync(messages, options, Cancel);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Empty(second.ToolCalls);
        Assert.Equal("Mock answer to: What is the weather in Porto?", Assert.Single(second.Content).Text);
    }

    [Fact]
    public async Task A_primary_that_always_fails_is_served_by_its_fallback_with_no_error()
    {
        var failedBefore = (await gateway.MockRequestsAsync(GatewayConfigFile.FailingSpec)).Count;

        var fallenBack = await DotnetClients.Chat(gateway, "gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Which deployment?")], cancellationToken: Cancel);
        var direct = await DotnetClients.Chat(gateway, "plain").CompleteChatAsync([new UserChatMessage("Which deployment?")], cancellationToken: Cancel);

        Assert.Equal(200, fallenBack.GetRawResponse().Status);
        Assert.Equal("Mock answer to: Which deployment?", Assert.Single(fallenBack.Value.Content).Text);
        Assert.Equal("1", DotnetClients.Header(fallenBack, "x-keel-fallbacks"));
        Assert.Equal("fallback", DotnetClients.Header(fallenBack, "x-keel-deployment"));
        Assert.Equal("3", DotnetClients.Header(fallenBack, "x-keel-attempts"));
        Assert.Equal("0", DotnetClients.Header(direct, "x-keel-fallbacks"));
        Assert.Equal("plain", DotnetClients.Header(direct, "x-keel-deployment"));
        Assert.Equal(failedBefore + 2, (await gateway.MockRequestsAsync(GatewayConfigFile.FailingSpec)).Count);
    }

    [Fact]
    public async Task A_stream_cut_mid_answer_throws_during_enumeration()
    {
        var updates = 0;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in DotnetClients.Chat(gateway, "flaky-stream").CompleteChatStreamingAsync([new UserChatMessage("Stream something that breaks")], cancellationToken: Cancel))
            {
                updates++;
            }
        });

        Assert.True(updates >= 1, $"the stream should have started before it broke; got {updates} updates, then {error}");
        // The response ended without its final chunk: the transport says so, as it would for a cut from OpenAI itself.
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public async Task An_unknown_model_throws_a_404()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => DotnetClients.Chat(gateway, "no-such-model").CompleteChatAsync([new UserChatMessage("Hello?")], cancellationToken: Cancel));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_never_issued_throws_a_401()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => DotnetClients.Chat(gateway, "gpt-4o-mini", "keel_sk_this_key_was_never_issued").CompleteChatAsync([new UserChatMessage("Hello?")], cancellationToken: Cancel));

        Assert.Equal(401, error.Status);
        Assert.Contains("invalid_api_key", error.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
    }
}
