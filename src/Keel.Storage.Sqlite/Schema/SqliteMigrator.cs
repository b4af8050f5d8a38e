using System.Reflection;
using Keel.Storage;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Schema;

/// <summary>
/// Applies the numbered scripts under Migrations/ in order, each in its own transaction, and records the
/// version reached in <c>PRAGMA user_version</c>. A file written by a newer Keel is refused, not guessed at.
/// </summary>
internal static class SqliteMigrator
{
    private static readonly IReadOnlyList<Migration> All = LoadMigrations();

    public static int LatestVersion => All[^1].Version;

    public static int CurrentVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Brings the schema up to <paramref name="targetVersion"/> (default: the latest).</summary>
    public static void Migrate(SqliteConnection connection, string source, int? targetVersion = null)
    {
        var target = targetVersion ?? LatestVersion;
        var current = CurrentVersion(connection);
        if (current == 0 && HasForeignTables(connection))
        {
            throw new StoreException($"{source} is an SQLite database, but not a Keel database: it already holds tables of its own. Choose another file.");
        }

        if (current > LatestVersion)
        {
            throw new StoreException(
                $"Database {source} has schema version {current}, newer than this Keel understands ({LatestVersion}). Upgrade Keel.");
        }

        foreach (var migration in All.Where(m => m.Version > current && m.Version <= target))
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = migration.Sql + $"\nPRAGMA user_version = {migration.Version};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private static bool HasForeignTables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(SqliteMigrator).Assembly;
        const string prefix = "Keel.Storage.Sqlite.Migrations.";
        var migrations = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => new Migration(ParseVersion(name[prefix.Length..]), Read(assembly, name)))
            .OrderBy(m => m.Version)
            .ToList();

        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations must be numbered 1..N without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }

    private static int ParseVersion(string fileName) =>
        int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed record Migration(int Version, string Sql);
}
