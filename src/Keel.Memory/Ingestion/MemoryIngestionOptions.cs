namespace Keel.Memory.Ingestion;

/// <summary>How automatic ingestion turns session messages into episodic memory.</summary>
public sealed record MemoryIngestionOptions
{
    /// <summary>How many session messages one batch reads (and embeds and stores in one call).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>How often the hosted service looks for new messages; it also runs on demand.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The importance given to a turn's memory (0 to 1).</summary>
    public double Importance { get; init; } = 0.5;

    /// <summary>Whether <c>AddKeelMemory</c> runs the hosted ingestion service.</summary>
    public bool RunInBackground { get; init; } = true;
}
