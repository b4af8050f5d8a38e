namespace Keel.Bench.Billing;

/// <summary>The bench's knobs: <c>--events N --customers N</c> (or <c>--events=N</c>) make a quick run possible.</summary>
internal sealed record BenchOptions
{
    public long Events { get; init; } = 10_000_000;
    public int Customers { get; init; } = 1_000;

    /// <summary>Events per store transaction (<c>AddBillableEventsAsync</c>).</summary>
    public int Batch { get; init; } = 1_000;

    /// <summary>Events submitted one at a time through <c>BillingService.RecordEventAsync</c> on a separate store (the REST path).</summary>
    public int Single { get; init; } = 20_000;

    /// <summary>Customers whose draft is taken apart into read / resolve / rate / save.</summary>
    public int Breakdown { get; init; } = 50;

    /// <summary>Events per variant of the insert what-if (0: skip it).</summary>
    public long WhatIf { get; init; } = 200_000;

    public int Seed { get; init; } = 20260401;
    public string WorkFolder { get; init; } = Path.Combine(Path.GetTempPath(), "keel-bench-billing");
    public string? Results { get; init; }
    public bool Keep { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var named = new BenchArgs(args, ["events", "customers", "batch", "single", "breakdown", "whatif", "seed", "work", "results", "keep"]);
        var defaults = new BenchOptions();
        var options = new BenchOptions
        {
            Events = named.Long("events", defaults.Events),
            Customers = (int)named.Long("customers", defaults.Customers),
            Batch = (int)named.Long("batch", defaults.Batch),
            Single = (int)named.Long("single", defaults.Single),
            Breakdown = (int)named.Long("breakdown", defaults.Breakdown),
            WhatIf = named.Long("whatif", defaults.WhatIf),
            Seed = (int)named.Long("seed", defaults.Seed),
            WorkFolder = named.Text("work", defaults.WorkFolder),
            Results = named.Text("results"),
            Keep = named.Has("keep"),
        };
        if (options.Customers < 1 || options.Events < options.Customers || options.Batch < 1)
        {
            throw new ArgumentException("Need --customers >= 1, --events >= --customers and --batch >= 1.");
        }

        return options;
    }

    public long EventsPerCustomer => Events / Customers;
}
