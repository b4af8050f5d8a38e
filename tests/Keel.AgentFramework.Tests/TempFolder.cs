using Keel.Storage.Sqlite;

namespace Keel.AgentFramework.Tests;

/// <summary>A fresh temporary folder for a database file that outlives one store, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-agent-framework-tests-").FullName;

    public string DatabasePath => Path.Combine(_folder, "keel.db");

    public Task<SqliteKeelStore> OpenAsync() => SqliteKeelStore.OpenAsync(DatabasePath);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
