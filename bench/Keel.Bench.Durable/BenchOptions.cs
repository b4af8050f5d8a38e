using System.Globalization;

namespace Keel.Bench.Durable;

/// <summary>The bench's knobs, named and defaulted as the peers' (<c>--nodes/--steps</c>, <c>--threads/--workflows</c>).</summary>
internal sealed record BenchOptions
{
    public int Steps { get; init; } = 12;
    public int Tasks { get; init; } = 200;
    public int Reps { get; init; } = 5;
    public int Warmup { get; init; } = 20;
    public int PayloadBytes { get; init; } = 1024;
    public IReadOnlyList<string> Modes { get; init; } = ["inline", "pool"];
    public IReadOnlyList<string> Synchronous { get; init; } = ["NORMAL", "FULL"];
    /// <summary>Store layouts to measure: <c>shipped</c>, or what-ifs for the report (see <see cref="StoreLayout"/>).</summary>
    public IReadOnlyList<string> Variants { get; init; } = ["shipped"];
    public string Results { get; init; } = ".";

    /// <summary>Names the JSON file: durable-keel-[label-]timestamp.json.</summary>
    public string? Label { get; init; }
    /// <summary>Keep each rep's database file for inspection (<c>--keep</c>).</summary>
    public bool Keep { get; init; }
    public string WorkFolder { get; init; } = Path.Combine(Path.GetTempPath(), "keel-bench-durable");

    /// <summary>Parses <c>--name=value</c> arguments; <c>--quick</c> is a smoke run of 50 tasks and one rep.</summary>
    public static BenchOptions Parse(string[] args)
    {
        var named = args.Select(a => a.TrimStart('-').Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "true", StringComparer.Ordinal);
        int Int(string name, int fallback) => named.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        IReadOnlyList<string> List(string name, IReadOnlyList<string> fallback) => named.TryGetValue(name, out var v) ? v.Split(',') : fallback;
        var quick = named.ContainsKey("quick");
        var defaults = new BenchOptions();
        return new BenchOptions
        {
            Steps = Int("steps", Int("nodes", defaults.Steps)),
            Tasks = Int("tasks", Int("threads", quick ? 50 : defaults.Tasks)),
            Reps = Int("reps", quick ? 1 : defaults.Reps),
            Warmup = Int("warmup", defaults.Warmup),
            PayloadBytes = Int("payload", defaults.PayloadBytes),
            Modes = List("modes", defaults.Modes),
            Synchronous = [.. List("sync", defaults.Synchronous).Select(s => s.ToUpperInvariant())],
            Variants = List("variants", defaults.Variants),
            Label = named.GetValueOrDefault("label"),
            Results = named.GetValueOrDefault("results", defaults.Results),
            Keep = named.ContainsKey("keep"),
            WorkFolder = named.GetValueOrDefault("work", defaults.WorkFolder),
        };
    }
}
