namespace Keel.Bench;

/// <summary>Nearest-rank percentiles of measurements, and stopwatch arithmetic. Linked into each bench project (bench/Shared).</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

    public static double Millis(long from, long to) => (to - from) * 1_000.0 / System.Diagnostics.Stopwatch.Frequency;

    public static double Seconds(long from, long to) => (to - from) / (double)System.Diagnostics.Stopwatch.Frequency;
}
