using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>A database path in a folder of its own under the system temp folder, removed with everything SQLite left there.</summary>
internal sealed class TempDatabase : IDisposable
{
    private readonly string _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "keel-tests", Guid.NewGuid().ToString("N"));

    public TempDatabase()
    {
        Directory.CreateDirectory(_folder);
        Path = System.IO.Path.Combine(_folder, "keel.db");
    }

    public string Path { get; }

    /// <summary>A connection that bypasses the store, for setting up and inspecting files; not pooled, so nothing stays open.</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
