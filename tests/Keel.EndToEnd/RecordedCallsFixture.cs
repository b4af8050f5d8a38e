using System.Text.Json.Nodes;
using OpenAI.Chat;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// A gateway that served three calls from the OpenAI .NET SDK (a completion its fallback answered, a stream, a
/// stream cut mid-answer) and was then stopped with SIGTERM, so its background step writer drained into the
/// database; then `keel tasks --json` read that database back.
/// </summary>
public sealed class RecordedCallsFixture : IAsyncLifetime
{
    private readonly GatewayFixture _gateway = new();

    public GatewayFixture Gateway => _gateway;

    /// <summary>The x-keel-task-id of the completion that fell back.</summary>
    public string FallbackTaskId { get; private set; } = "";

    public int StopExitCode { get; private set; }

    public string StopStderr { get; private set; } = "";

    /// <summary>Everything the gateway printed, for failure messages: a lost step may have been logged.</summary>
    public string GatewayOutput { get; private set; } = "";

    /// <summary>`keel tasks --json` after the stop.</summary>
    public JsonArray Tasks { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        await _gateway.InitializeAsync();
        var cancellationToken = TestContext.Current.CancellationToken;

        var fallenBack = await DotnetClients.Chat(_gateway, "gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Record this call")], cancellationToken: cancellationToken);
        FallbackTaskId = DotnetClients.Header(fallenBack, "x-keel-task-id");

        await foreach (var _ in DotnetClients.Chat(_gateway, "plain").CompleteChatStreamingAsync([new UserChatMessage("Record this stream")], cancellationToken: cancellationToken))
        {
        }

        try
        {
            await foreach (var _ in DotnetClients.Chat(_gateway, "flaky-stream").CompleteChatStreamingAsync([new UserChatMessage("Record this cut")], cancellationToken: cancellationToken))
            {
            }
        }
        catch (IOException)
        {
            // Expected: the stream broke off (DotnetClientTests asserts how); what matters here is what was recorded.
        }

        StopExitCode = await _gateway.StopGatewayAsync();
        StopStderr = _gateway.Gateway.Stderr;
        GatewayOutput = _gateway.Gateway.Describe();

        var tasks = await KeelProcess.RunAsync("tasks", "--json", "--db", _gateway.DbPath);
        Assert.True(tasks.ExitCode == 0, tasks.ToString());
        Tasks = tasks.Json().AsArray();
    }

    public async Task<JsonNode> TraceAsync(string taskId)
    {
        var trace = await KeelProcess.RunAsync("trace", taskId, "--json", "--db", _gateway.DbPath);
        Assert.True(trace.ExitCode == 0, trace.ToString());
        return trace.Json();
    }

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();
}
