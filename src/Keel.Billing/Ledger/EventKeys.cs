using System.Globalization;

namespace Keel.Billing.Ledger;

/// <summary>
/// The idempotency keys of the events Keel derives from its own tasks. They depend only on the task and the ledger
/// so far, never on the time of derivation: deriving twice (a re-run, a crash half-way) appends nothing new.
/// </summary>
public static class EventKeys
{
    public static string TaskStarted(string taskId) => $"task:{taskId}:started";

    public static string TaskCompleted(string taskId) => $"task:{taskId}:completed";

    public static string ModelCost(string taskId, int generation) => Generation($"task:{taskId}:model.cost", generation);

    public static string OutcomeSuccess(string taskId, int generation) => Generation($"task:{taskId}:outcome.success", generation);

    public static string OutcomeValue(string taskId, int generation) => Generation($"task:{taskId}:outcome.value", generation);

    /// <summary>The void of an event: one per target, so a reversal derived twice voids once.</summary>
    public static string Void(string targetEventId) => $"void:{targetEventId}";

    public static string Correction(string targetEventId, int generation) => Generation($"correction:{targetEventId}", generation);

    // The first event of a kind keeps the plain key; a later one (an outcome reported again after a reversal) counts up.
    private static string Generation(string key, int generation) =>
        generation <= 1 ? key : string.Create(CultureInfo.InvariantCulture, $"{key}#{generation}");
}
