namespace Keel.Storage.Sqlite;

public sealed record SqliteStoreOptions
{
    /// <summary>Create the file (and its folder) when it does not exist; otherwise opening a missing file fails.</summary>
    public bool CreateIfMissing { get; init; } = true;

    /// <summary>
    /// SQLite's <c>synchronous</c> setting. NORMAL in WAL mode survives a process kill; FULL also survives power
    /// loss at the cost of an fsync per commit.
    /// </summary>
    public string Synchronous { get; init; } = "NORMAL";

    /// <summary>
    /// How many pages (8 KB each) the write-ahead log may hold before a background thread copies them into the database
    /// file (<see cref="WalCheckpointer"/>): larger copies hot pages fewer times and lets the WAL file grow larger
    /// (it is cut back to this size after each cycle). SQLite's own default is 1,000 pages, checkpointed on the writer.
    /// </summary>
    public int WalCheckpointPages { get; init; } = 8_192;

    /// <summary>How many OTLP trace links the append-only log holds before they are merged (tests set it low).</summary>
    internal int TraceLinkMergeLinks { get; init; } = Journal.TraceLinkWriter.MergeLinks;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
