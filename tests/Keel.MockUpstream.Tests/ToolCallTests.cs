using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

public sealed class ToolCallTests
{
    private const string Tools = """
        "tools":[
          {"type":"function","function":{"name":"lookup_order","description":"Find an order","parameters":{"type":"object","properties":{"order_id":{"type":"string"},"include_items":{"type":"boolean"}},"required":["order_id"]}}},
          {"type":"function","function":{"name":"refund_policy","parameters":{"type":"object","properties":{}}}}
        ]
        """;

    private static string Request(string extra = "", string messages = """[{"role":"user","content":"Where is order 42?"}]""") =>
        $$"""{"model":"gpt-4o-mini","messages":{{messages}},{{Tools}}{{extra}}}""";

    private static JsonElement Message(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message");

    [Fact]
    public async Task Several_tools_are_called_in_parallel_with_arguments_from_their_schemas()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("v1/chat/completions", Request());

        Assert.Equal("tool_calls", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var message = Message(body);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var calls = message.GetProperty("tool_calls").EnumerateArray().ToArray();
        Assert.Equal(["lookup_order", "refund_policy"], calls.Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.All(calls, c =>
        {
            Assert.StartsWith("call_", c.GetProperty("id").GetString());
            Assert.Equal("function", c.GetProperty("type").GetString());
        });
        Assert.Equal(2, calls.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        using var arguments = JsonDocument.Parse(calls[0].GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("x", arguments.RootElement.GetProperty("order_id").GetString());
        Assert.True(arguments.RootElement.GetProperty("include_items").GetBoolean());
        Assert.Equal("{}", calls[1].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task Parallel_tool_calls_false_calls_only_the_first_tool()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("v1/chat/completions", Request(""","parallel_tool_calls":false"""));

        var call = Assert.Single(Message(body).GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("lookup_order", call.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Tool_choice_none_and_a_tool_result_get_a_text_answer()
    {
        await using var mock = await MockHarness.StartAsync();
        const string AfterTool = """
            [{"role":"user","content":"Where is order 42?"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup_order","arguments":"{\"order_id\":\"42\"}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"shipped"}]
            """;

        var none = await mock.PostForJsonAsync("v1/chat/completions", Request(",\"tool_choice\":\"none\""));
        var answered = await mock.PostForJsonAsync("v1/chat/completions", Request(messages: AfterTool));

        foreach (var body in new[] { none, answered })
        {
            Assert.Equal("stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
            Assert.Equal("Mock answer to: Where is order 42?", Message(body).GetProperty("content").GetString());
            Assert.False(Message(body).TryGetProperty("tool_calls", out _));
        }
    }

    [Fact]
    public async Task A_streamed_tool_answer_sends_id_and_name_then_the_arguments_in_pieces()
    {
        await using var mock = await MockHarness.StartAsync();

        using var response = await mock.PostAsync("v1/chat/completions", Request(""","stream":true"""));
        var read = await Sse.ReadAsync(response, TestContext.Current.CancellationToken);

        Assert.True(read.Done);
        var deltas = read.Data.Select(d => JsonDocument.Parse(d).RootElement.GetProperty("choices")[0].Clone()).ToArray();
        Assert.Equal("tool_calls", deltas[^1].GetProperty("finish_reason").GetString());
        Assert.Equal("assistant", deltas[0].GetProperty("delta").GetProperty("role").GetString());

        // Reassemble as a client does: by index, the id and name from the first delta, arguments concatenated.
        var calls = new SortedDictionary<int, (string Id, string Name, string Arguments)>();
        foreach (var delta in deltas[..^1])
        {
            foreach (var call in delta.GetProperty("delta").GetProperty("tool_calls").EnumerateArray())
            {
                var index = call.GetProperty("index").GetInt32();
                var function = call.GetProperty("function");
                var piece = function.GetProperty("arguments").GetString()!;
                calls[index] = calls.TryGetValue(index, out var so)
                    ? so with { Arguments = so.Arguments + piece }
                    : (call.GetProperty("id").GetString()!, function.GetProperty("name").GetString()!, piece);
            }
        }

        Assert.Equal(["lookup_order", "refund_policy"], calls.Values.Select(c => c.Name));
        Assert.Equal("""{"order_id":"x","include_items":true}""", calls[0].Arguments);
        Assert.Equal("{}", calls[1].Arguments);
        Assert.True(deltas.Length > 4, "the arguments arrive in several pieces");
    }
}
