using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Durable;

/// <summary>
/// Opens the store as shipped, or in a what-if layout that measures a proposed storage change without touching
/// the store's code: <c>page8k</c> creates the file with 8 KB pages before the store migrates it; <c>rowid</c>
/// rebuilds the (still empty) steps table as a rowid table, same columns and key, after the store migrated it;
/// <c>rowid8k</c> does both.
/// </summary>
internal static class StoreLayout
{
    public static async Task<SqliteKeelStore> OpenAsync(string path, string variant, string synchronous)
    {
        var options = new SqliteStoreOptions { Synchronous = synchronous };
        switch (variant)
        {
            case "shipped":
                return await SqliteKeelStore.OpenAsync(path, options);
            case "page8k":
                Execute(path, "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;");
                return await SqliteKeelStore.OpenAsync(path, options);
            case "rowid" or "rowid8k":
                if (variant == "rowid8k")
                {
                    Execute(path, "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;");
                }

                await (await SqliteKeelStore.OpenAsync(path, options)).DisposeAsync();
                var create = Scalar(path, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'steps'");
                if (!create.Contains("WITHOUT ROWID", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("The steps table is already a rowid table: the rowid what-if is what ships.");
                }

                Execute(path, $"""
                    BEGIN;
                    {create.Replace("CREATE TABLE steps", "CREATE TABLE steps_rowid", StringComparison.Ordinal).Replace("WITHOUT ROWID", "", StringComparison.Ordinal)};
                    INSERT INTO steps_rowid SELECT * FROM steps;
                    DROP TABLE steps;
                    ALTER TABLE steps_rowid RENAME TO steps;
                    COMMIT;
                    """);
                return await SqliteKeelStore.OpenAsync(path, options);
            default:
                throw new ArgumentException($"Unknown variant '{variant}': use shipped, page8k, rowid or rowid8k.");
        }
    }

    private static void Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)command.ExecuteScalar()!;
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
