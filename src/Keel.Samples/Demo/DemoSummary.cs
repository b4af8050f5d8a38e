using Keel.Storage;
using Keel.Tasks;

namespace Keel.Samples.Demo;

/// <summary>What a run of tasks amounted to, read back from the store (not from the runner's memory).</summary>
public sealed record DemoSummary(
    int Tasks,
    int Succeeded,
    int Failed,
    int Steps,
    int ModelCalls,
    int Retries,
    int Fallbacks,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    double P50DurationMs,
    double P95DurationMs,
    double WallTimeMs,
    string Db)
{
    public static async Task<DemoSummary> FromStoreAsync(IKeelStore store, DemoRun run, string db, CancellationToken cancellationToken = default)
    {
        var summaries = new List<TaskSummary>(run.TaskIds.Count);
        foreach (var id in run.TaskIds)
        {
            summaries.Add(await store.GetTaskSummaryAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Task {id} ran but is not in the store."));
        }

        var durations = summaries.Select(s => s.Duration?.TotalMilliseconds ?? 0).Order().ToArray();
        return new DemoSummary(
            summaries.Count,
            summaries.Count(s => s.Task.Status == AgentTaskStatus.Succeeded),
            summaries.Count(s => s.Task.Status == AgentTaskStatus.Failed),
            summaries.Sum(s => s.Steps),
            summaries.Sum(s => s.ModelCalls),
            summaries.Sum(s => s.Retries),
            summaries.Sum(s => s.Fallbacks),
            summaries.Sum(s => s.InputTokens),
            summaries.Sum(s => s.OutputTokens),
            summaries.Sum(s => s.CostUsd),
            Percentile(durations, 0.50),
            Percentile(durations, 0.95),
            run.WallTime.TotalMilliseconds,
            db);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
