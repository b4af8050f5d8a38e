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

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
