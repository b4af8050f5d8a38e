using System.Diagnostics;
using Keel.Tasks;

namespace Keel.Bench.Durable;

/// <summary>
/// The peers' task: N sequential journaled steps, step i returning the same ~1 KB string as LangGraph's node i
/// (<c>"node{i}:" + "x"...</c>). Each <c>StepAsync</c> call is timed on its own, from the call to its committed
/// return, into <see cref="Timings"/> while <see cref="Recording"/> is on.
/// </summary>
internal sealed class StepAgent : IAgent
{
    private readonly string[] _payloads;

    public StepAgent(string name, int steps, int payloadBytes)
    {
        Name = name;
        _payloads = [.. Enumerable.Range(1, steps).Select(i =>
        {
            var prefix = $"node{i}:";
            return prefix + new string('x', Math.Max(0, payloadBytes - prefix.Length));
        })];
    }

    public string Name { get; }

    public int Steps => _payloads.Length;

    public bool Recording { get; set; }

    /// <summary>Microseconds per step, in the order the steps ran.</summary>
    public List<double> Timings { get; } = [];

    public async Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken)
    {
        var bytes = 0;
        for (var i = 0; i < _payloads.Length; i++)
        {
            var payload = _payloads[i];
            var t0 = Stopwatch.GetTimestamp();
            var result = await context.StepAsync($"node{i + 1}", _ => Task.FromResult(payload), cancellationToken).ConfigureAwait(false);
            var t1 = Stopwatch.GetTimestamp();
            if (Recording)
            {
                Timings.Add(Stats.Micros(t0, t1));
            }

            bytes += result.Length;
        }

        return bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
