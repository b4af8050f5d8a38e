using Xunit;

namespace Keel.Storage.Sqlite.Tests;

public sealed class SqliteJournalModeTests : IDisposable
{
    private readonly TempDatabase _database = new();

    [Fact]
    public async Task OpenAsync_NewFile_UsesWriteAheadLog()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: TestContext.Current.CancellationToken);

        using var raw = _database.OpenRaw();
        Assert.Equal("wal", RawSql.Scalar(raw, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task OpenAsync_FileInRollbackJournalMode_SwitchesToWriteAheadLog()
    {
        using (var raw = _database.OpenRaw())
        {
            RawSql.Execute(raw, "PRAGMA journal_mode = DELETE; CREATE TABLE probe (x);");
            RawSql.Execute(raw, "DROP TABLE probe;");
        }

        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: TestContext.Current.CancellationToken);

        using var check = _database.OpenRaw();
        Assert.Equal("wal", RawSql.Scalar(check, "PRAGMA journal_mode"));
    }

    public void Dispose() => _database.Dispose();
}
