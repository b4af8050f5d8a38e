using Keel.Storage;
using Keel.Oversight;
using Keel.Tasks;
using Keel.Usage;

namespace Keel.Samples.Demo;

/// <summary>What a run of tasks amounted to, read back from the store (not from the runner's memory).</summary>
public sealed record DemoSummary(
    int Tasks,
    int Succeeded,
    int Failed,
    int Waiting,
    int Steps,
    int ModelCalls,
    int Retries,
    int Fallbacks,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    decimal ModelCostUsd,
    decimal ToolCostUsd,
    decimal HumanCostUsd,
    int Interventions,
    double HumanSeconds,
    int SuccessfulOutcomes,
    decimal? CostPerSuccessfulOutcomeUsd,
    decimal? HumanToModelRatio,
    double P50DurationMs,
    double P95DurationMs,
    double WallTimeMs,
    string Db)
{
    public static async Task<DemoSummary> FromStoreAsync(IKeelStore store, DemoRun run, string db, CancellationToken cancellationToken = default)
    {
        var summaries = new List<TaskSummary>(run.TaskIds.Count);
        var usage = new List<UsageEvent>();
        foreach (var id in run.TaskIds)
        {
            summaries.Add(await store.GetTaskSummaryAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Task {id} ran but is not in the store."));
            usage.AddRange(await store.GetUsageAsync(id, cancellationToken).ConfigureAwait(false));
        }

        decimal CostOf(UsageKind kind) => usage.Where(u => u.Kind == kind).Sum(u => u.CostUsd);
        var total = summaries.Sum(s => s.CostUsd);
        var successes = summaries.Count(s => s.Task.Outcome == TaskOutcome.Success);
        var model = CostOf(UsageKind.Model);
        var human = CostOf(UsageKind.Human);

        var durations = summaries.Select(s => s.Duration?.TotalMilliseconds ?? 0).Order().ToArray();
        return new DemoSummary(
            summaries.Count,
            summaries.Count(s => s.Task.Status == AgentTaskStatus.Succeeded),
            summaries.Count(s => s.Task.Status == AgentTaskStatus.Failed),
            summaries.Count(s => s.Task.Status == AgentTaskStatus.Waiting),
            summaries.Sum(s => s.Steps),
            summaries.Sum(s => s.ModelCalls),
            summaries.Sum(s => s.Retries),
            summaries.Sum(s => s.Fallbacks),
            summaries.Sum(s => s.InputTokens),
            summaries.Sum(s => s.OutputTokens),
            total,
            model,
            CostOf(UsageKind.Tool),
            human,
            usage.Count(u => u.Kind == UsageKind.Human),
            (double)usage.Where(u => u.Kind == UsageKind.Human).Sum(u => u.Quantity),
            successes,
            successes == 0 ? null : total / successes,
            model == 0 ? null : human / model,
            Percentile(durations, 0.50),
            Percentile(durations, 0.95),
            run.WallTime.TotalMilliseconds,
            db);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
