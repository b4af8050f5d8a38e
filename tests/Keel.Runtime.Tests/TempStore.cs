using Keel.Storage.Sqlite;

namespace Keel.Runtime.Tests;

/// <summary>A real SQLite store in a fresh temporary file, deleted afterwards.</summary>
internal sealed class TempStore : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-runtime-tests-").FullName;

    private TempStore()
    {
    }

    public SqliteKeelStore Store { get; private set; } = null!;

    public static async Task<TempStore> CreateAsync()
    {
        var temp = new TempStore();
        temp.Store = await SqliteKeelStore.OpenAsync(Path.Combine(temp._folder, "keel.db"));
        return temp;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
