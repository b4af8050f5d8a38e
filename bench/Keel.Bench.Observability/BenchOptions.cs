using System.Globalization;

namespace Keel.Bench.Observability;

/// <summary>The bench's knobs, from <c>--name=value</c> arguments.</summary>
internal sealed record BenchOptions
{
    /// <summary>Tasks in the seeded database the pages are timed on.</summary>
    public int Tasks { get; init; } = 100_000;

    public int Seed { get; init; } = 42;

    /// <summary>Journal steps of the long task (half model calls, half tool calls; the last one fails).</summary>
    public int LongSteps { get; init; } = 1_000;

    /// <summary>Model steps of the growing-context task whose storage is compared with full snapshots.</summary>
    public int ContextSteps { get; init; } = 50;

    /// <summary>How many such tasks run (the first alone gives the per-task figure; all of them the on-disk one).</summary>
    public int ContextTasks { get; init; } = 20;

    /// <summary>Timed requests per page (after a tenth as many warm-up requests).</summary>
    public int Reps { get; init; } = 200;

    /// <summary>Spans sent per ingestion variant.</summary>
    public int IngestSpans { get; init; } = 204_800;

    /// <summary>Longest time one ingestion variant sends for (a slow path stops early; the rate is what it stored per second).</summary>
    public int IngestSeconds { get; init; } = 20;

    /// <summary>
    /// What-if: a page cache of this many MB for every connection to the measured copy (written to the file's header as
    /// <c>default_cache_size</c>); 0 keeps SQLite's default of 2 MB, as the store ships.
    /// </summary>
    public int CacheMb { get; init; }

    /// <summary>Where the seeded database is kept between runs, keyed by its parameters.</summary>
    public string Cache { get; init; } = "/tmp/keel-bench-observability";

    /// <summary>Where the JSON result goes.</summary>
    public string Results { get; init; } = "bench/results/raw";

    /// <summary>Which parts run: context, pages, ingest (or otlp: only the endpoint rows of ingest).</summary>
    public IReadOnlySet<string> Sections { get; init; } = new HashSet<string>(["context", "pages", "ingest"], StringComparer.Ordinal);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        foreach (var arg in args)
        {
            var (name, value) = arg.Split('=', 2) is [var n, var v] ? (n, v) : (arg, "");
            options = name switch
            {
                "--quick" => options with { Tasks = 10_000, LongSteps = 200, ContextTasks = 3, Reps = 30, IngestSpans = 20_480, IngestSeconds = 5 },
                "--tasks" => options with { Tasks = Int(value) },
                "--seed" => options with { Seed = Int(value) },
                "--long-steps" => options with { LongSteps = Int(value) },
                "--context-steps" => options with { ContextSteps = Int(value) },
                "--context-tasks" => options with { ContextTasks = Int(value) },
                "--reps" => options with { Reps = Int(value) },
                "--ingest-spans" => options with { IngestSpans = Int(value) },
                "--ingest-seconds" => options with { IngestSeconds = Int(value) },
                "--cache" => options with { Cache = value },
                "--cache-mb" => options with { CacheMb = Int(value) },
                "--results" => options with { Results = value },
                "--sections" => options with { Sections = value.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) },
                _ => throw new ArgumentException($"Unknown argument '{arg}'. Use --quick, --tasks=, --seed=, --long-steps=, --context-steps=, --context-tasks=, --reps=, --ingest-spans=, --ingest-seconds=, --cache-mb=, --cache=, --results=, --sections=context,pages,ingest (or otlp: only ingest's endpoint rows)."),
            };
        }

        return options;
    }

    private static int Int(string value) => int.Parse(value.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
}
