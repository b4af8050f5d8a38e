using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Storage.Sqlite.Schema;

/// <summary>How domain values are written to and read from columns.</summary>
internal static class SqlValues
{
    private const decimal NanoPerUsd = 1_000_000_000m;

    public static long Micros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset Time(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>USD to integer nano-USD. Sub-nano remainders round half away from zero.</summary>
    public static long Nano(decimal usd) => (long)Math.Round(usd * NanoPerUsd, MidpointRounding.AwayFromZero);

    public static decimal Usd(long nano) => nano / NanoPerUsd;

    public static string Text(AgentTaskStatus status) => status switch
    {
        AgentTaskStatus.Pending => "pending",
        AgentTaskStatus.Running => "running",
        AgentTaskStatus.Waiting => "waiting",
        AgentTaskStatus.Succeeded => "succeeded",
        AgentTaskStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static AgentTaskStatus TaskStatus(string text) => Enum.Parse<AgentTaskStatus>(text, ignoreCase: true);

    public static string Text(StepKind kind) => Lower<StepKind>.Of(kind);

    public static StepKind StepKind(string text) => Enum.Parse<StepKind>(text, ignoreCase: true);

    public static string Text(StepStatus status) => Lower<StepStatus>.Of(status);

    public static StepStatus StepStatus(string text) => Enum.Parse<StepStatus>(text, ignoreCase: true);

    public static string Text(SpanStatus status) => Lower<SpanStatus>.Of(status);

    public static SpanStatus SpanStatus(string text) => Enum.Parse<SpanStatus>(text, ignoreCase: true);

    public static string Text(UsageKind kind) => Lower<UsageKind>.Of(kind);

    public static string Text(Oversight.InterventionKind kind) => Lower<Oversight.InterventionKind>.Of(kind);

    public static UsageKind UsageKind(string text) => Enum.Parse<UsageKind>(text, ignoreCase: true);

    /// <summary>
    /// An enum value's lower-case name, computed once per value: the journal writes a kind and a status per row, and
    /// <c>ToString().ToLowerInvariant()</c> allocated two strings each time.
    /// </summary>
    private static class Lower<T>
        where T : struct, Enum
    {
        private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().Distinct().ToDictionary(v => v, v => v.ToString().ToLowerInvariant());

        public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : value.ToString().ToLowerInvariant();
    }
}
