using Keel.Customers;
using Keel.Storage.Sqlite.Journal;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writes go through one connection, serialised in process
/// (SQLite allows one writer anyway, and a held connection keeps prepared state warm); reads use pooled
/// connections and run beside the writer.
/// </summary>
public sealed partial class SqliteKeelStore : IKeelStore, IFileBackedStore
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TimeProvider _time;

    private SqliteKeelStore(string path, string connectionString, SqliteConnection writer, SqliteStoreOptions options)
    {
        Path = path;
        _connectionString = connectionString;
        _writer = writer;
        _time = options.TimeProvider;
        Journal = new JournalWriter(writer, RecentLinks, options.TraceLinkMergeLinks);
        Checkpointer = new WalCheckpointer(writer, connectionString, options.WalCheckpointPages);
    }

    /// <summary>The writer connection's prepared journal statements; used only under the write lock.</summary>
    private JournalWriter Journal { get; }

    /// <summary>The OTLP trace links not yet merged into <c>otlp_traces</c>, read by lookups and checked by the writer.</summary>
    private RecentTraceLinks RecentLinks { get; } = new();

    /// <summary>Checkpoints the writer's WAL in the background.</summary>
    internal WalCheckpointer Checkpointer { get; }

    public string Path { get; }

    /// <summary>Opens (or creates) the database file and brings its schema up to date.</summary>
    /// <exception cref="StoreException">The file is missing, is not a Keel database, or is from a newer Keel.</exception>
    public static Task<SqliteKeelStore> OpenAsync(string path, SqliteStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SqliteStoreOptions();
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            if (!options.CreateIfMissing)
            {
                throw new StoreException($"Database file {fullPath} does not exist. Run `keel demo --db {path}` to create one.");
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = options.CreateIfMissing ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        var writer = new SqliteConnection(connectionString);
        try
        {
            writer.Open();
            // 8 KB pages, on new files only (an existing file keeps its size): journal rows carry results of a kilobyte or
            // two, and 4 KB pages fit only three such rows, leaving a sixth of every page empty.
            Execute(writer, "PRAGMA page_size = 8192;");
            Execute(writer, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {options.Synchronous}; PRAGMA foreign_keys = ON;");
            SqliteMigrator.Migrate(writer, fullPath);
            Execute(writer, $"PRAGMA journal_size_limit = {(long)options.WalCheckpointPages * 8192};");
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            writer.Dispose();
            throw new StoreException($"{fullPath} is not a Keel database, or it is corrupt ({ex.Message.TrimEnd('.')}).", ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 14 or 8)
        {
            writer.Dispose();
            throw new StoreException($"Cannot open {fullPath} for writing: is it a folder, or read-only? ({ex.Message.TrimEnd('.')})", ex);
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new SqliteKeelStore(fullPath, connectionString, writer, options));
    }

    public int SchemaVersion => SqliteMigrator.CurrentVersion(_writer);

    public static int LatestSchemaVersion => SqliteMigrator.LatestVersion;

    public async ValueTask<Customer> EnsureCustomerAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return await WriteAsync(connection =>
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO customers (id, name, created_at) VALUES ($id, $name, $now)
                ON CONFLICT (name) DO NOTHING;
                SELECT id, name, created_at FROM customers WHERE name = $name;
                """;
            insert.Parameters.AddWithValue("$id", KeelIds.NewCustomerId());
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
            using var reader = insert.ExecuteReader();
            reader.Read();
            return new Customer(reader.GetString(0), reader.GetString(1), SqlValues.Time(reader.GetInt64(2)));
        }, cancellationToken);
    }

    public async ValueTask<Session> CreateSessionAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var session = new Session(KeelIds.NewSessionId(), customerId, _time.GetUtcNow());
        await WriteAsync(connection =>
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO sessions (id, customer_id, created_at) VALUES ($id, $customer, $now)";
            insert.Parameters.AddWithValue("$id", session.Id);
            insert.Parameters.AddWithValue("$customer", customerId);
            insert.Parameters.AddWithValue("$now", SqlValues.Micros(session.CreatedAt));
            return insert.ExecuteNonQuery();
        }, cancellationToken);
        return session;
    }

    public async ValueTask<Session> EnsureSessionAsync(string sessionId, string customerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        return await WriteAsync(connection =>
        {
            using var upsert = connection.CreateCommand();
            upsert.CommandText = """
                INSERT INTO sessions (id, customer_id, created_at) VALUES ($id, $customer, $now) ON CONFLICT (id) DO NOTHING;
                SELECT id, customer_id, created_at FROM sessions WHERE id = $id;
                """;
            upsert.Parameters.AddWithValue("$id", sessionId);
            upsert.Parameters.AddWithValue("$customer", customerId);
            upsert.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
            using var reader = upsert.ExecuteReader();
            reader.Read();
            return new Session(reader.GetString(0), reader.GetString(1), SqlValues.Time(reader.GetInt64(2)));
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            Journal.Dispose();
            Checkpointer.Dispose();
            await _writer.DisposeAsync().ConfigureAwait(false);
            SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        }
        finally
        {
            _writeLock.Release();
            _writeLock.Dispose();
        }
    }

    private async ValueTask<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return write(_writer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return read(connection);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
