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

    public static string Text(StepKind kind) => kind.ToString().ToLowerInvariant();

    public static StepKind StepKind(string text) => Enum.Parse<StepKind>(text, ignoreCase: true);

    public static string Text(StepStatus status) => status.ToString().ToLowerInvariant();

    public static StepStatus StepStatus(string text) => Enum.Parse<StepStatus>(text, ignoreCase: true);

    public static string Text(SpanStatus status) => status.ToString().ToLowerInvariant();

    public static SpanStatus SpanStatus(string text) => Enum.Parse<SpanStatus>(text, ignoreCase: true);

    public static string Text(UsageKind kind) => kind.ToString().ToLowerInvariant();

    public static UsageKind UsageKind(string text) => Enum.Parse<UsageKind>(text, ignoreCase: true);
}
