using Microsoft.Data.Sqlite;

namespace Keel.Bench.Billing;

/// <summary>
/// A side connection to the bench's database: folds the WAL into the main file to measure it, and counts rows the
/// checks need (events not billed, invoice numbers) straight from the tables.
/// </summary>
internal sealed class StoreFile : IDisposable
{
    private readonly SqliteConnection _connection;

    public StoreFile(string path)
    {
        Path = path;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        _connection.Open();
    }

    public string Path { get; }

    /// <summary>Checkpoints the WAL into the main file and truncates it; returns the main file's size.</summary>
    public long CheckpointedBytes()
    {
        Scalar("PRAGMA wal_checkpoint(TRUNCATE)");
        return new FileInfo(Path).Length;
    }

    public long Count(string sql) => Convert.ToInt64(Scalar(sql), System.Globalization.CultureInfo.InvariantCulture);

    public List<long> Longs(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => _connection.Dispose();
}
