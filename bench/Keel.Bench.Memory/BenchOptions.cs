namespace Keel.Bench.Memory;

/// <summary>The bench's knobs: <c>--memories N</c> makes a quick run, <c>--reuse-db FILE</c> skips ingestion the second time.</summary>
internal sealed record BenchOptions
{
    public int Memories { get; init; } = 100_000;

    /// <summary>Timed queries (half paraphrases of stored memories, the rest unrelated questions), warm-up excluded.</summary>
    public int Queries { get; init; } = 600;

    /// <summary>Untimed queries run through every configuration first (JIT, caches, the HNSW pages).</summary>
    public int Warmup { get; init; } = 40;

    /// <summary>Memories per <c>MemoryService.AddAsync</c> call (it embeds them in batches of 32, then stores them in one transaction).</summary>
    public int Batch { get; init; } = 256;

    public int K { get; init; } = 10;

    /// <summary>Texts embedded straight through the model with one and with two ONNX threads at the end (0: skip).</summary>
    public int EmbedWhatIf { get; init; } = 2_000;

    public int Seed { get; init; } = 20261127;

    /// <summary>A database to keep: ingested into when it holds no memories of the bench's scope, searched as it is otherwise.</summary>
    public string? ReuseDb { get; init; }

    public string WorkFolder { get; init; } = Path.Combine(Path.GetTempPath(), "keel-bench-memory");

    public string? Results { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var named = new BenchArgs(args, ["memories", "queries", "warmup", "batch", "k", "embed-whatif", "seed", "reuse-db", "work", "results"]);
        var defaults = new BenchOptions();
        var options = new BenchOptions
        {
            Memories = named.Int("memories", defaults.Memories),
            Queries = named.Int("queries", defaults.Queries),
            Warmup = named.Int("warmup", defaults.Warmup),
            Batch = named.Int("batch", defaults.Batch),
            K = named.Int("k", defaults.K),
            EmbedWhatIf = named.Int("embed-whatif", defaults.EmbedWhatIf),
            Seed = named.Int("seed", defaults.Seed),
            ReuseDb = named.Text("reuse-db"),
            WorkFolder = named.Text("work", defaults.WorkFolder),
            Results = named.Text("results"),
        };
        if (options.Memories < 100 || options.Queries < 10 || options.Batch < 1 || options.K < 1 || options.Warmup < 0)
        {
            throw new ArgumentException("Need --memories >= 100, --queries >= 10, --batch >= 1, --k >= 1, --warmup >= 0.");
        }

        return options;
    }
}
