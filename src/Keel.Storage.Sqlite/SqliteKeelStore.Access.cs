using Keel.Access;
using Keel.Customers;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public async ValueTask CreateApiKeyAsync(ApiKey key, CancellationToken cancellationToken = default)
    {
        await WriteAsync(connection =>
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO api_keys (id, customer_id, secret_hash, prefix, name, created_at, revoked_at)
                VALUES ($id, $customer, $hash, $prefix, $name, $created, $revoked)
                """;
            insert.Parameters.AddWithValue("$id", key.Id);
            insert.Parameters.AddWithValue("$customer", key.CustomerId);
            insert.Parameters.AddWithValue("$hash", key.SecretHash);
            insert.Parameters.AddWithValue("$prefix", key.Prefix);
            insert.Parameters.AddWithValue("$name", (object?)key.Name ?? DBNull.Value);
            insert.Parameters.AddWithValue("$created", SqlValues.Micros(key.CreatedAt));
            insert.Parameters.AddWithValue("$revoked", key.RevokedAt is { } r ? SqlValues.Micros(r) : DBNull.Value);
            return insert.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<ApiKey?> FindApiKeyAsync(string secretHash, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"{ApiKeyColumns} WHERE secret_hash = $hash AND revoked_at IS NULL";
            query.Parameters.AddWithValue("$hash", secretHash);
            using var reader = query.ExecuteReader();
            return reader.Read() ? ReadApiKey(reader) : null;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<ApiKey>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"{ApiKeyColumns} ORDER BY created_at";
            using var reader = query.ExecuteReader();
            var keys = new List<ApiKey>();
            while (reader.Read())
            {
                keys.Add(ReadApiKey(reader));
            }

            return keys;
        }, cancellationToken);

    public ValueTask<Customer?> FindCustomerAsync(string idOrName, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT id, name, created_at FROM customers WHERE id = $key OR name = $key";
            query.Parameters.AddWithValue("$key", idOrName);
            using var reader = query.ExecuteReader();
            return reader.Read() ? new Customer(reader.GetString(0), reader.GetString(1), SqlValues.Time(reader.GetInt64(2))) : null;
        }, cancellationToken);

    private const string ApiKeyColumns = "SELECT id, customer_id, secret_hash, prefix, name, created_at, revoked_at FROM api_keys";

    private static ApiKey ReadApiKey(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        CustomerId = reader.GetString(1),
        SecretHash = reader.GetString(2),
        Prefix = reader.GetString(3),
        Name = reader.IsDBNull(4) ? null : reader.GetString(4),
        CreatedAt = SqlValues.Time(reader.GetInt64(5)),
        RevokedAt = reader.IsDBNull(6) ? null : SqlValues.Time(reader.GetInt64(6)),
    };
}
