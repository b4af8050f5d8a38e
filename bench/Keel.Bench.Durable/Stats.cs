namespace Keel.Bench.Durable;

/// <summary>Nearest-rank percentiles and medians of measurements.</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

    /// <summary>Microseconds between two <see cref="System.Diagnostics.Stopwatch"/> timestamps.</summary>
    public static double Micros(long from, long to) => (to - from) * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency;
}
