using Keel.Storage.Sqlite.Schema;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    private const string AdminTokenSetting = "admin_token_sha256";

    public ValueTask<string?> GetAdminTokenHashAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT value FROM settings WHERE key = $key";
            query.Parameters.AddWithValue("$key", AdminTokenSetting);
            return query.ExecuteScalar() as string;
        }, cancellationToken);

    public async ValueTask<bool> SetAdminTokenHashAsync(string secretHash, bool replace, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretHash);
        return await WriteAsync(connection =>
        {
            using var upsert = connection.CreateCommand();
            upsert.CommandText = $"""
                INSERT INTO settings (key, value, updated_at) VALUES ($key, $value, $now)
                ON CONFLICT (key) DO {(replace ? "UPDATE SET value = excluded.value, updated_at = excluded.updated_at" : "NOTHING")}
                """;
            upsert.Parameters.AddWithValue("$key", AdminTokenSetting);
            upsert.Parameters.AddWithValue("$value", secretHash);
            upsert.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
            return upsert.ExecuteNonQuery() == 1;
        }, cancellationToken).ConfigureAwait(false);
    }
}
