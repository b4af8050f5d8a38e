using Keel.Storage.Conformance;

namespace Keel.Storage.Sqlite.Tests;

public sealed class SqliteStoreConformanceTests : StoreConformanceTests
{
    private readonly TempDatabase _database = new();

    protected override async Task<IKeelStore> CreateStoreAsync() =>
        await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

    protected override ValueTask CleanUpAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }
}
