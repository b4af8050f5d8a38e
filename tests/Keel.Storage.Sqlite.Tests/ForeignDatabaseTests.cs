using Keel.Storage;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

public sealed class ForeignDatabaseTests : IDisposable
{
    private readonly TempDatabase _database = new();

    [Fact]
    public async Task OpenAsync_AnotherAppsSqliteFile_IsRefusedAndLeftUntouched()
    {
        using (var raw = _database.OpenRaw())
        {
            RawSql.Execute(raw, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
        }

        var error = await Assert.ThrowsAsync<StoreException>(() => SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("not a Keel database", error.Message, StringComparison.Ordinal);
        using var check = _database.OpenRaw();
        Assert.Equal(["notes"], RawSql.Names(check, "table"));
        Assert.Equal(0L, RawSql.Scalar(check, "PRAGMA user_version"));
    }

    public void Dispose() => _database.Dispose();
}
