using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Durable;

/// <summary>
/// Measures a store's file the way the LangGraph peer does: fold the WAL into the main file
/// (<c>wal_checkpoint(TRUNCATE)</c>) and take the main file's size. Also splits the file by table and index
/// (SQLite's <c>dbstat</c>), so a growth in bytes can be put down to the B-tree that grew.
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

    public long WalBytes => File.Exists(Path + "-wal") ? new FileInfo(Path + "-wal").Length : 0;

    /// <summary>Checkpoints the WAL into the main file and truncates it; returns the main file's size.</summary>
    /// <exception cref="InvalidOperationException">A reader or writer kept the checkpoint from completing.</exception>
    public long CheckpointedBytes()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            if (reader.GetInt64(0) != 0)
            {
                throw new InvalidOperationException("The WAL checkpoint was blocked by another connection.");
            }
        }

        return new FileInfo(Path).Length;
    }

    public string Pragma(string name)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    public long Count(string table)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Bytes of pages per table or index, overflow pages included; empty when no SQLite here has dbstat.</summary>
    public Dictionary<string, long> BytesByBtree() => Dbstat("SELECT name, sum(pgsize) FROM dbstat GROUP BY name");

    /// <summary>Bytes in overflow pages per table or index: rows too long to stay on their B-tree page.</summary>
    public Dictionary<string, long> OverflowBytesByBtree() => Dbstat("SELECT name, sum(pgsize) FROM dbstat WHERE pagetype = 'overflow' GROUP BY name");

    // The SQLite bundled with Microsoft.Data.Sqlite is built without the dbstat table; the sqlite3 shell usually has it.
    private Dictionary<string, long> Dbstat(string sql)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                sizes[reader.GetString(0)] = reader.GetInt64(1);
            }

            return sizes;
        }
        catch (SqliteException)
        {
        }

        try
        {
            var shell = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-readonly", "-separator", "\t", Path, sql })
            {
                shell.ArgumentList.Add(arg);
            }

            using var process = Process.Start(shell)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split('\t');
                sizes[parts[0]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            sizes.Clear(); // no sqlite3 shell either
        }

        return sizes;
    }

    public void Dispose() => _connection.Dispose();
}
