using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Keel.Threading;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>
/// Copies the write-ahead log back into the database file on a thread of its own, so the writer never stops to do it.
/// </summary>
/// <remarks>
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages, on the writer, and
/// copies what the WAL holds then: with ingestion writing ~40 MB/s, the writer spent a fifth of its time checkpointing,
/// copying the same hot pages (the newest leaf of every index) again every 8 MB. Here the writer connection's WAL hook
/// (<c>sqlite3_wal_hook</c>, which replaces the automatic checkpoint) wakes this thread once a commit leaves
/// <see cref="SqliteStoreOptions.WalCheckpointPages"/> pages in the WAL, and the thread runs a PASSIVE checkpoint on its
/// own connection, which blocks neither the writer nor readers; a page rewritten many times in between is copied
/// once. Should the WAL still reach four times that (readers holding old snapshots, or a checkpoint slower than the
/// writer), the commit checkpoints inline, as SQLite would have.
/// </remarks>
internal sealed unsafe partial class WalCheckpointer : IDisposable
{
    private const int BackstopFactor = 4;

    private readonly SqliteConnection _writer;
    private readonly string _connectionString;
    private int _thresholdPages;
    private readonly Thread _thread;
    private readonly AutoResetEvent _wake = new(false);
    private GCHandle _self;
    private int _requested;
    private volatile bool _stopping;

    public WalCheckpointer(SqliteConnection writer, string connectionString, int thresholdPages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(thresholdPages, 1);
        _writer = writer;
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _thresholdPages = thresholdPages;
        _self = GCHandle.Alloc(this);
        _thread = new Thread(Run) { IsBackground = true, Name = "keel-wal-checkpoint" };
        _thread.Start();
        _ = sqlite3_wal_hook(writer.Handle!.DangerousGetHandle(), &OnCommit, GCHandle.ToIntPtr(_self));
    }

    /// <summary>
    /// Checkpoints less often from now on, if <paramref name="pages"/> is more than the threshold (billing's ledger writes
    /// spread over thousands of pages: it copies them back once per several batches). Never lowers it.
    /// </summary>
    public void RaiseThreshold(int pages)
    {
        if (pages > Volatile.Read(ref _thresholdPages))
        {
            Volatile.Write(ref _thresholdPages, pages);
        }
    }

    /// <summary>Raised on the checkpoint thread after each background checkpoint, with the pages it copied (for tests).</summary>
    internal event Action<int>? Checkpointed;

    public void Dispose()
    {
        // Unhooked first, so no commit from here on reaches this instance; the writer's last close checkpoints the rest.
        _ = sqlite3_wal_hook(_writer.Handle!.DangerousGetHandle(), null, 0);
        _stopping = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
        _self.Free();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnCommit(nint state, nint database, byte* schema, int pages)
    {
        var self = (WalCheckpointer)GCHandle.FromIntPtr(state).Target!;
        var threshold = Volatile.Read(ref self._thresholdPages);
        if (pages >= threshold * BackstopFactor)
        {
            // As SQLite's own automatic checkpoint does, and like it ignoring the outcome: a checkpoint that cannot run
            // now (say, under a statement still open) leaves the WAL as it was, for the next commit to try again.
            _ = sqlite3_wal_checkpoint(database, schema);
        }

        else if (pages >= threshold && Interlocked.Exchange(ref self._requested, 1) == 0)
        {
            self._wake.Set();
        }

        return 0; // SQLITE_OK: the commit stands either way
    }

    private void Run()
    {
        // Copying the WAL is deferred work: request threads come first (at normal priority, a 64 MB copy every
        // half-minute showed in the gateway's p99). A thread that cannot be lowered just runs at normal priority.
        _ = BackgroundThreadPriority.TryLowerCurrentThread(out _);
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var checkpoint = connection.CreateCommand();

        // A connection opens the WAL when it first reads; until then a checkpoint on it finds no WAL and copies nothing.
        checkpoint.CommandText = "SELECT count(*) FROM sqlite_schema";
        checkpoint.ExecuteScalar();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        while (true)
        {
            _wake.WaitOne();
            if (_stopping)
            {
                return;
            }

            // Cleared before the copy: a commit during it that still finds the WAL over the threshold asks again.
            Volatile.Write(ref _requested, 0);
            try
            {
                using var reader = checkpoint.ExecuteReader();
                reader.Read();
                Checkpointed?.Invoke(reader.GetInt32(2));
            }
            catch (SqliteException)
            {
                // Nothing is lost: the WAL keeps the pages, the next request retries, and the backstop bounds the WAL.
            }
        }
    }

    [LibraryImport("e_sqlite3")]
    private static partial nint sqlite3_wal_hook(nint database, delegate* unmanaged[Cdecl]<nint, nint, byte*, int, int> callback, nint state);

    [LibraryImport("e_sqlite3")]
    private static partial int sqlite3_wal_checkpoint(nint database, byte* schema);
}
