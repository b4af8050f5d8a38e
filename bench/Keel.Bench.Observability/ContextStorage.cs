using System.Text;
using Keel.Journal;
using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Observability;

/// <summary>
/// What a task's context windows cost to store: tasks of <see cref="BenchOptions.ContextSteps"/> model calls whose
/// context grows by the model's answer and a tool result (~200-500 bytes each) at every call, run through the real
/// runtime and journal (content-addressed: each message a blob stored once, each window a list of 32-byte hashes),
/// against storing each model call's whole context window (the sum of every window's bytes), both as bytes and as
/// pages of a SQLite table that holds one row per window.
/// </summary>
internal static class ContextStorage
{
    public sealed record Result
    {
        public required int ModelSteps { get; init; }
        public required int JournalSteps { get; init; }
        public required int Tasks { get; init; }
        public required int FirstContextEntries { get; init; }
        public required int LastContextEntries { get; init; }
        public required long FirstContextBytes { get; init; }
        public required long LastContextBytes { get; init; }
        public required double NewBytesPerStep { get; init; }

        // One task (the first, on an empty file: its instructions and tool definitions are counted once, for it alone).
        public required long FullBytes { get; init; }
        public required long BlobBytes { get; init; }
        public required long Blobs { get; init; }
        public required long SnapshotHashBytes { get; init; }
        public required long SnapshotIdBytes { get; init; }
        public long KeelBytes => BlobBytes + SnapshotHashBytes + SnapshotIdBytes;
        public double Ratio => (double)FullBytes / KeelBytes;

        // What-ifs on the same task: a window stored as its parent's id plus the hashes it adds; 8-byte blob ids.
        public required long DeltaSnapshotBytes { get; init; }
        public required long RowidRefSnapshotBytes { get; init; }

        // All tasks, as SQLite pages: Keel's blobs + context_snapshots B-trees, and a naive one-row-per-window table.
        public long KeelPageBytes { get; init; }
        public long FullPageBytes { get; init; }
        public long FileBytesGrown { get; init; }
        public long BlobPageBytes { get; init; }
        public long SnapshotPageBytes { get; init; }
        public long RowidSnapshotPageBytes { get; init; }
        public long DeltaSnapshotPageBytes { get; init; }
        public Dictionary<string, long> PageBytesByBtree { get; init; } = [];
        public double PageRatio => (double)FullPageBytes / KeelPageBytes;
    }

    public static async Task<Result> RunAsync(BenchOptions options, string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "context.db");
        var fullPath = Path.Combine(folder, "full-snapshots.db");
        foreach (var stale in new[] { path, path + "-wal", path + "-shm", fullPath, fullPath + "-wal", fullPath + "-shm" })
        {
            File.Delete(stale);
        }

        var store = await SqliteKeelStore.OpenAsync(path);
        var customer = (await store.EnsureCustomerAsync("context-bench")).Id;
        await store.DisposeAsync(); // closed, so that the empty file can be measured
        var before = StoreFile.BytesByBtree(path);
        var fileBefore = StoreFile.CheckpointedBytes(path);
        var writer = await SqliteKeelStore.OpenAsync(path);

        using var full = OpenFullSnapshots(fullPath);
        var snapshotIds = new List<(string TaskId, string SnapshotId)>();
        Result? first = null;
        for (var t = 0; t < options.ContextTasks; t++)
        {
            var task = await LoopTasks.RunAsync(writer, customer, options.ContextSteps, failAtEnd: false, seed: 10_000 + t, agentName: "context-loop");
            if (task.Status != Keel.Tasks.AgentTaskStatus.Succeeded)
            {
                throw new InvalidOperationException($"The context task ended {task.Status}: {task.Error}");
            }

            var steps = await writer.GetStepsAsync(task.Id);
            var (windows, ids) = await WindowsAsync(writer, task.Id, steps);
            if (windows.Count != options.ContextSteps)
            {
                throw new InvalidOperationException($"Expected {options.ContextSteps} context windows, found {windows.Count}.");
            }

            snapshotIds.AddRange(ids.Select(id => (task.Id, id)));
            StoreFull(full, task.Id, windows);
            first ??= Logical(path, windows, steps.Count);
        }

        await writer.DisposeAsync();
        var after = StoreFile.BytesByBtree(path);
        var fileAfter = StoreFile.CheckpointedBytes(path);
        full.Dispose();
        Seeder.Checkpoint(fullPath);
        var fullPages = StoreFile.BytesByBtree(fullPath).Where(kv => kv.Key.Contains("full_contexts", StringComparison.Ordinal)).Sum(kv => kv.Value);
        var grown = after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal);
        var (rowidPages, deltaPages) = WhatIfLayouts(path, folder, snapshotIds);
        return first! with
        {
            Tasks = options.ContextTasks,
            KeelPageBytes = grown.GetValueOrDefault("blobs") + grown.GetValueOrDefault("context_snapshots"),
            BlobPageBytes = grown.GetValueOrDefault("blobs"),
            SnapshotPageBytes = grown.GetValueOrDefault("context_snapshots"),
            RowidSnapshotPageBytes = rowidPages,
            DeltaSnapshotPageBytes = deltaPages,
            FullPageBytes = fullPages,
            FileBytesGrown = fileAfter - fileBefore,
            PageBytesByBtree = grown.Where(kv => kv.Value != 0).OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
    }

    /// <summary>Every model step's context window (and its snapshot id), read back from the store as the step page reads it.</summary>
    private static async Task<(List<List<string>> Windows, List<string> SnapshotIds)> WindowsAsync(SqliteKeelStore store, string taskId, IReadOnlyList<StepRecord> steps)
    {
        var spans = await store.GetSpansAsync(taskId);
        var windows = new List<List<string>>();
        var ids = new List<string>();
        foreach (var step in steps.Where(s => s.Kind == StepKind.Model))
        {
            var snapshotId = spans.First(s => s.StepSeq == step.Seq && s.SnapshotId is not null).SnapshotId!;
            ids.Add(snapshotId);
            windows.Add([.. (await store.GetSnapshotAsync(snapshotId))!]);
        }

        return (windows, ids);
    }

    private static Result Logical(string path, List<List<string>> windows, int journalSteps)
    {
        static long Bytes(IEnumerable<string> window) => window.Sum(m => (long)Encoding.UTF8.GetByteCount(m));
        var fullBytes = windows.Sum(Bytes);
        long delta = 0, previous = 0;
        foreach (var window in windows)
        {
            delta += 32 + 32L * (window.Count - previous); // parent id + the hashes it adds (each window extends the last)
            previous = window.Count;
        }

        return new Result
        {
            ModelSteps = windows.Count,
            JournalSteps = journalSteps,
            Tasks = 1,
            FirstContextEntries = windows[0].Count,
            LastContextEntries = windows[^1].Count,
            FirstContextBytes = Bytes(windows[0]),
            LastContextBytes = Bytes(windows[^1]),
            NewBytesPerStep = windows.Count > 1 ? (double)(Bytes(windows[^1]) - Bytes(windows[0])) / (windows.Count - 1) : 0,
            FullBytes = fullBytes,
            BlobBytes = StoreFile.Scalar(path, "SELECT coalesce(sum(size), 0) FROM blobs"),
            Blobs = StoreFile.Scalar(path, "SELECT count(*) FROM blobs"),
            SnapshotHashBytes = StoreFile.Scalar(path, "SELECT coalesce(sum(length(hashes)), 0) FROM context_snapshots"),
            SnapshotIdBytes = StoreFile.Scalar(path, "SELECT coalesce(sum(length(id)), 0) FROM context_snapshots"),
            DeltaSnapshotBytes = delta,
            RowidRefSnapshotBytes = windows.Sum(w => 8L * w.Count),
        };
    }

    private static SqliteConnection OpenFullSnapshots(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // The same page size and journal mode as Keel's store, and a key as its steps have.
        command.CommandText = """
            PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
            CREATE TABLE full_contexts (task_id TEXT NOT NULL, seq INTEGER NOT NULL, context BLOB NOT NULL, PRIMARY KEY (task_id, seq));
            """;
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Each window whole, as one JSON array of its entries: what a full-snapshot design stores per model call.</summary>
    private static void StoreFull(SqliteConnection connection, string taskId, List<List<string>> windows)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO full_contexts (task_id, seq, context) VALUES ($task, $seq, $context)";
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var context = insert.Parameters.Add("$context", SqliteType.Blob);
        insert.Parameters.AddWithValue("$task", taskId);
        for (var i = 0; i < windows.Count; i++)
        {
            seq.Value = i + 1;
            context.Value = Encoding.UTF8.GetBytes("[" + string.Join(",", windows[i]) + "]");
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>
    /// The same snapshot rows, in the order they were written, in two other layouts in a side file: the hash lists in a
    /// rowid table (rows of up to ~8 KB stay on their page, where a WITHOUT ROWID table spills a row over ~1 KB to
    /// overflow pages of its own, as the journal's steps did before migration 13), and as deltas (the previous window's
    /// id and the hashes added since). Returns the pages each layout takes.
    /// </summary>
    private static (long Rowid, long Delta) WhatIfLayouts(string storePath, string folder, List<(string TaskId, string SnapshotId)> order)
    {
        var path = Path.Combine(folder, "snapshot-layouts.db");
        using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            source.Open();
            target.Open();
            using (var create = target.CreateCommand())
            {
                create.CommandText = """
                    PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;
                    CREATE TABLE snapshots_rowid (id TEXT NOT NULL PRIMARY KEY, hashes BLOB NOT NULL);
                    CREATE TABLE snapshots_delta (id TEXT PRIMARY KEY, parent TEXT, added BLOB NOT NULL) WITHOUT ROWID;
                    """;
                create.ExecuteNonQuery();
            }

            using var read = source.CreateCommand();
            read.CommandText = "SELECT hashes FROM context_snapshots WHERE id = $id";
            var readId = read.Parameters.Add("$id", SqliteType.Text);
            using var transaction = target.BeginTransaction();
            using var rowid = target.CreateCommand();
            rowid.CommandText = "INSERT OR IGNORE INTO snapshots_rowid (id, hashes) VALUES ($id, $hashes)";
            using var delta = target.CreateCommand();
            delta.CommandText = "INSERT OR IGNORE INTO snapshots_delta (id, parent, added) VALUES ($id, $parent, $added)";
            string? previousTask = null;
            string? previousId = null;
            byte[] previousHashes = [];
            foreach (var (taskId, id) in order)
            {
                readId.Value = id;
                var hashes = (byte[])read.ExecuteScalar()!;
                rowid.Parameters.Clear();
                rowid.Parameters.AddWithValue("$id", id);
                rowid.Parameters.AddWithValue("$hashes", hashes);
                rowid.ExecuteNonQuery();
                var extends = previousTask == taskId && hashes.AsSpan().StartsWith(previousHashes);
                delta.Parameters.Clear();
                delta.Parameters.AddWithValue("$id", id);
                delta.Parameters.AddWithValue("$parent", extends ? previousId : DBNull.Value);
                delta.Parameters.AddWithValue("$added", extends ? hashes[previousHashes.Length..] : hashes);
                delta.ExecuteNonQuery();
                (previousTask, previousId, previousHashes) = (taskId, id, hashes);
            }

            transaction.Commit();
        }

        Seeder.Checkpoint(path);
        var pages = StoreFile.BytesByBtree(path);
        long Sum(string table) => pages.Where(kv => kv.Key.Contains(table, StringComparison.Ordinal)).Sum(kv => kv.Value);
        return (Sum("snapshots_rowid"), Sum("snapshots_delta"));
    }
}
