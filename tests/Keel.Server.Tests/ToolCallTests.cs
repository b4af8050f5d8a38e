using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Tools, tool_choice and response_format reach the upstream as sent, and tool calls come back whole.</summary>
public sealed class ToolCallTests
{
    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "Weather in a city.",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private static readonly ChatTool Time = ChatTool.CreateFunctionTool("get_time", "Local time in a city.",
        BinaryData.FromString("""{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}"""));

    private static ChatCompletionOptions TwoTools() => new() { Tools = { Weather, Time } };

    [Fact]
    public async Task Parallel_tool_calls_come_back_through_the_SDK()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var completion = (await gateway.Chat().CompleteChatAsync([new UserChatMessage("Weather and time in Oslo?")], TwoTools(), TestContext.Current.CancellationToken)).Value;

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal(["get_weather", "get_time"], completion.ToolCalls.Select(c => c.FunctionName));
        Assert.All(completion.ToolCalls, c => Assert.StartsWith("call_", c.Id, StringComparison.Ordinal));
        using var arguments = JsonDocument.Parse(completion.ToolCalls[0].FunctionArguments);
        Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
        var upstream = Assert.Single(gateway.UpstreamBodies());
        Assert.Equal(["get_weather", "get_time"], upstream["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Streamed_tool_calls_assemble_to_whole_arguments()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        await foreach (var update in gateway.Chat().CompleteChatStreamingAsync([new UserChatMessage("Weather and time in Oslo?")], TwoTools(), TestContext.Current.CancellationToken))
        {
            finish ??= update.FinishReason;
            foreach (var part in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(part.Index, out var call))
                {
                    calls[part.Index] = call = (null, null, new StringBuilder());
                }

                calls[part.Index] = (call.Id ?? part.ToolCallId, call.Name ?? part.FunctionName, call.Arguments.Append(part.FunctionArgumentsUpdate?.ToString()));
            }
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(["get_weather", "get_time"], calls.Values.Select(c => c.Name));
        Assert.All(calls.Values, c => Assert.StartsWith("call_", c.Id, StringComparison.Ordinal));
        using var weather = JsonDocument.Parse(calls[0].Arguments.ToString());
        Assert.Equal(JsonValueKind.String, weather.RootElement.GetProperty("city").ValueKind);
        using var time = JsonDocument.Parse(calls[1].Arguments.ToString());
        Assert.Equal(JsonValueKind.String, time.RootElement.GetProperty("zone").ValueKind);
    }

    [Fact]
    public async Task A_recorded_streamed_tool_call_step_keeps_the_assembled_arguments()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var body = ChatBody.Of("Weather in Oslo?", stream: true);
        body["tools"] = new JsonArray(ChatBody.Tool("get_weather", "city"));

        using var response = await gateway.PostChatAsync(body);
        var read = await SseRead.ReadAsync(response);
        await gateway.FlushAsync();

        Assert.True(read.Done);
        var step = Assert.Single(await gateway.Store.GetStepsAsync(response.Headers.GetValues("x-keel-task-id").Single(), TestContext.Current.CancellationToken));
        var call = JsonNode.Parse(step.Result!)!["tool_calls"]![0]!;
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.True(JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!["city"] is JsonValue);
    }

    [Fact]
    public async Task A_named_tool_choice_passes_through_and_narrows_the_answer()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var options = TwoTools();
        options.ToolChoice = ChatToolChoice.CreateFunctionChoice("get_time");

        var completion = (await gateway.Chat().CompleteChatAsync([new UserChatMessage("What time is it in Oslo?")], options, TestContext.Current.CancellationToken)).Value;

        Assert.Equal("get_time", Assert.Single(completion.ToolCalls).FunctionName);
        var upstream = Assert.Single(gateway.UpstreamBodies());
        Assert.Equal("""{"type":"function","function":{"name":"get_time"}}""", upstream["tool_choice"]!.ToJsonString());
    }

    [Fact]
    public async Task A_json_schema_response_format_passes_through_and_shapes_the_answer()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var schema = """{"type":"object","properties":{"city":{"type":"string"},"temperature":{"type":"number"}},"required":["city","temperature"],"additionalProperties":false}""";
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("weather", BinaryData.FromString(schema), jsonSchemaIsStrict: true),
        };

        var completion = (await gateway.Chat().CompleteChatAsync([new UserChatMessage("Weather in Oslo as JSON")], options, TestContext.Current.CancellationToken)).Value;

        using var answer = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal(JsonValueKind.String, answer.RootElement.GetProperty("city").ValueKind);
        Assert.Equal(JsonValueKind.Number, answer.RootElement.GetProperty("temperature").ValueKind);
        var format = Assert.Single(gateway.UpstreamBodies())["response_format"]!;
        Assert.Equal("json_schema", format["type"]!.GetValue<string>());
        Assert.Equal("weather", format["json_schema"]!["name"]!.GetValue<string>());
        Assert.True(format["json_schema"]!["strict"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(schema), format["json_schema"]!["schema"]));
    }
}
