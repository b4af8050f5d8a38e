using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Durable;

/// <summary>
/// Opens the store as shipped, or in a what-if layout that measures a storage choice without touching the store's
/// code. A variant is <c>shipped</c> or a <c>+</c>-joined list of: <c>page4k</c> / <c>page8k</c> (the file is created
/// with that page size before the store opens it), <c>rowid</c> / <c>withoutrowid</c> (the still-empty steps table
/// is rebuilt as a rowid or a WITHOUT ROWID table, same columns and key, after the store migrated the file).
/// <c>page4k+withoutrowid</c> is the layout before migration 13 and the 8 KB pages. <c>bgcheckpoint</c> runs WAL
/// checkpoints beside the store (see <see cref="BackgroundCheckpointer"/>).
/// </summary>
internal static class StoreLayout
{
    public static async Task<SqliteKeelStore> OpenAsync(string path, string variant, string synchronous)
    {
        var options = new SqliteStoreOptions { Synchronous = synchronous };
        var parts = variant == "shipped" ? [] : variant.Split('+');
        foreach (var part in parts)
        {
            switch (part)
            {
                case "page4k" or "page8k":
                    Execute(path, $"PRAGMA page_size = {(part == "page4k" ? 4096 : 8192)}; PRAGMA journal_mode = WAL;");
                    break;
                case "rowid" or "withoutrowid" or "bgcheckpoint":
                    break;
                default:
                    throw new ArgumentException($"Unknown variant part '{part}': use shipped, or page4k/page8k, rowid/withoutrowid and bgcheckpoint joined by '+'.");
            }
        }

        var store = await SqliteKeelStore.OpenAsync(path, options);
        var layout = parts.FirstOrDefault(p => p is "rowid" or "withoutrowid");
        if (layout is null)
        {
            return store;
        }

        await store.DisposeAsync();
        var create = Scalar(path, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'steps'");
        var isWithoutRowid = create.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase);
        if (isWithoutRowid != (layout == "withoutrowid"))
        {
            // After ALTER TABLE ... RENAME, SQLite stores the name quoted: CREATE TABLE "steps" (...).
            var renamed = System.Text.RegularExpressions.Regex.Replace(create, @"^CREATE TABLE\s+""?steps""?", "CREATE TABLE steps_whatif");
            var rebuilt = isWithoutRowid ? renamed.Replace("WITHOUT ROWID", "", StringComparison.OrdinalIgnoreCase) : renamed + " WITHOUT ROWID";
            Execute(path, $"""
                BEGIN;
                {rebuilt};
                INSERT INTO steps_whatif SELECT * FROM steps;
                DROP TABLE steps;
                ALTER TABLE steps_whatif RENAME TO steps;
                COMMIT;
                """);
        }

        return await SqliteKeelStore.OpenAsync(path, options);
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
