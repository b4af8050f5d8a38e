using System.Text.Json;
using Keel.Agents;
using Keel.Samples.Research;
using Keel.Samples.SideEffects;
using Keel.Samples.Support;
using Keel.Tasks;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>
/// The sample tools' side-effect log, which the crash test (tests/Keel.EndToEnd/CrashRecoveryTests) counts: an
/// effect applies once per idempotency key, as a payment API's would.
/// </summary>
public sealed class SideEffectLogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-side-effects-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task An_effect_applies_once_per_idempotency_key_while_every_execution_is_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new SideEffectLog(Path.Combine(_folder, "effects.log"));

        await log.ExecutingAsync("task_a/4", "draft_refund", ct);
        Assert.True(await log.TryApplyAsync("task_a/4", "draft_refund", ct));
        await log.ExecutingAsync("task_a/4", "draft_refund", ct); // the same call again, after a crash cut it off before its commit
        Assert.False(await log.TryApplyAsync("task_a/4", "draft_refund", ct));
        Assert.True(await log.TryApplyAsync("task_b/4", "draft_refund", ct));

        var lines = (await File.ReadAllLinesAsync(log.Path, ct)).Select(l => l.Split('\t')).ToList();
        Assert.All(lines, fields => Assert.Equal(5, fields.Length));
        Assert.All(lines, fields => Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[3]));
        Assert.Equal(["execute task_a/4", "effect task_a/4", "execute task_a/4", "effect task_b/4"], lines.Select(f => $"{f[0]} {f[1]}"));
    }

    [Fact]
    public async Task Concurrent_calls_with_one_key_apply_one_effect()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new SideEffectLog(Path.Combine(_folder, "effects.log"));

        var applied = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => log.TryApplyAsync("task_a/2", "web_search", ct), ct)));

        Assert.Single(applied, a => a);
        Assert.Single(await File.ReadAllLinesAsync(log.Path, ct));
    }

    [Fact]
    public async Task The_tools_reach_their_call_without_showing_the_model_a_parameter_for_it()
    {
        var tools = SupportTools.All.Concat(ResearchTools.All).ToList();
        foreach (var tool in tools)
        {
            var parameters = tool.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
            Assert.DoesNotContain(parameters, p => p is "arguments" or "cancellationToken");
        }

        var lookup = tools.Single(t => t.Name == "lookup_order");
        var call = new FunctionCallContent("call_1", "lookup_order", new Dictionary<string, object?> { ["orderId"] = "ORD-10427" });
        var result = await lookup.InvokeAsync(ToolArguments.For(call, new ToolCall("task_a", 2, "lookup_order", null, "call_1")), TestContext.Current.CancellationToken);

        Assert.Equal("ORD-10427", JsonSerializer.SerializeToElement(result).GetProperty("order_id").GetString());
    }
}
