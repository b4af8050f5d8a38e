using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Observability;

/// <summary>
/// Byte counts of a SQLite file: the file after a WAL checkpoint, and pages per table or index from <c>dbstat</c>
/// (through the sqlite3 shell, as the SQLite bundled with Microsoft.Data.Sqlite is built without it).
/// </summary>
internal static class StoreFile
{
    public static long CheckpointedBytes(string path)
    {
        Seeder.Checkpoint(path);
        return new FileInfo(path).Length;
    }

    /// <summary>Bytes of pages (overflow pages included) per table and index.</summary>
    public static Dictionary<string, long> BytesByBtree(string path)
    {
        var shell = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-readonly", "-separator", "\t", path, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name" })
        {
            shell.ArgumentList.Add(arg);
        }

        using var process = Process.Start(shell) ?? throw new InvalidOperationException("Could not start sqlite3.");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sqlite3 dbstat failed (install the sqlite3 shell): {error}");
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    public static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
