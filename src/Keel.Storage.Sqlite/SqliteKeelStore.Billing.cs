using System.Globalization;
using Keel.Billing;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>Billing: plan versions, accounts and subscriptions (the ledger, invoices and credit notes are in their own files).</summary>
public sealed partial class SqliteKeelStore
{
    public async ValueTask<StoredPlan> AddPlanVersionAsync(StoredPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(plan.PlanId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(plan.Version);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var existing = ReadPlan(connection, transaction, plan.PlanId, plan.Version);
            if (existing is not null)
            {
                return existing.Definition == plan.Definition && existing.Name == plan.Name && existing.Currency == plan.Currency
                    ? existing
                    : throw new StoreException($"Plan {plan.PlanId} version {plan.Version} already exists with another definition: a new price needs a new version.");
            }

            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO billing_plans (id, version, name, currency, definition, created_at)
                VALUES ($id, $version, $name, $currency, $definition, $created)
                """;
            insert.Parameters.AddWithValue("$id", plan.PlanId);
            insert.Parameters.AddWithValue("$version", plan.Version);
            insert.Parameters.AddWithValue("$name", plan.Name);
            insert.Parameters.AddWithValue("$currency", plan.Currency);
            insert.Parameters.AddWithValue("$definition", plan.Definition);
            var created = plan.CreatedAt == default ? _time.GetUtcNow() : plan.CreatedAt;
            insert.Parameters.AddWithValue("$created", SqlValues.Micros(created));
            insert.ExecuteNonQuery();
            transaction.Commit();
            return plan with { CreatedAt = created };
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<StoredPlan?> GetPlanAsync(string planId, int? version = null, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => ReadPlan(connection, null, planId, version), cancellationToken);

    public ValueTask<IReadOnlyList<StoredPlan>> ListPlansAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<StoredPlan>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT id, version, name, currency, definition, created_at FROM billing_plans ORDER BY id, version";
            using var reader = query.ExecuteReader();
            var plans = new List<StoredPlan>();
            while (reader.Read())
            {
                plans.Add(ReadPlanRow(reader));
            }

            return plans;
        }, cancellationToken);

    public async ValueTask<BillingAccount> EnsureBillingAccountAsync(string customerId, string currency, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(currency);
        currency = currency.ToUpperInvariant();
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var existing = ReadAccount(connection, transaction, customerId);
            if (existing is not null && existing.Currency == currency)
            {
                return existing;
            }

            if (existing is not null && Scalar(connection, transaction, "SELECT count(*) FROM billing_invoices WHERE customer_id = $id", ("$id", customerId)) is long n && n > 0)
            {
                throw new StoreException($"Customer {customerId} is billed in {existing.Currency} and has invoices: its currency cannot change to {currency}.");
            }

            using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO billing_accounts (customer_id, currency, created_at) VALUES ($id, $currency, $now)
                ON CONFLICT (customer_id) DO UPDATE SET currency = excluded.currency
                """;
            upsert.Parameters.AddWithValue("$id", customerId);
            upsert.Parameters.AddWithValue("$currency", currency);
            upsert.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
            try
            {
                upsert.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                throw new StoreException($"No customer '{customerId}'.", ex);
            }

            var account = ReadAccount(connection, transaction, customerId)!;
            transaction.Commit();
            return account;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<BillingAccount?> GetBillingAccountAsync(string customerId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => ReadAccount(connection, null, customerId), cancellationToken);

    public ValueTask<IReadOnlyList<BillingAccount>> ListBillingAccountsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<BillingAccount>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT customer_id, currency, created_at FROM billing_accounts ORDER BY customer_id";
            using var reader = query.ExecuteReader();
            var accounts = new List<BillingAccount>();
            while (reader.Read())
            {
                accounts.Add(new BillingAccount(reader.GetString(0), reader.GetString(1), SqlValues.Time(reader.GetInt64(2))));
            }

            return accounts;
        }, cancellationToken);

    public async ValueTask<Subscription> SubscribeAsync(string customerId, string planId, int planVersion, DateTimeOffset startsAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(planId);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            if (ReadPlan(connection, transaction, planId, planVersion) is null)
            {
                throw new StoreException($"No plan {planId} version {planVersion}.");
            }

            var at = SqlValues.Micros(startsAt);
            var subscriptions = ReadSubscriptions(connection, transaction, customerId);
            if (subscriptions.FirstOrDefault(s => s.StartsAt > startsAt) is { } later)
            {
                throw new StoreException($"Customer {customerId} already has a subscription starting {later.StartsAt:O}, after {startsAt:O}: cancel it first.");
            }

            // A plan change: the running subscription ends at the instant the new one starts.
            if (subscriptions.FirstOrDefault(s => s.StartsAt <= startsAt && (s.EndsAt is null || s.EndsAt > startsAt)) is { } running)
            {
                EndSubscription(connection, transaction, running.Id, at);
            }

            var subscription = new Subscription(KeelIds.New("sub"), customerId, planId, planVersion, startsAt, null);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO billing_subscriptions (id, customer_id, plan_id, plan_version, starts_at, ends_at, created_at)
                VALUES ($id, $customer, $plan, $version, $starts, NULL, $now)
                """;
            insert.Parameters.AddWithValue("$id", subscription.Id);
            insert.Parameters.AddWithValue("$customer", customerId);
            insert.Parameters.AddWithValue("$plan", planId);
            insert.Parameters.AddWithValue("$version", planVersion);
            insert.Parameters.AddWithValue("$starts", at);
            insert.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
            insert.ExecuteNonQuery();
            transaction.Commit();
            return subscription;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Subscription?> CancelSubscriptionAsync(string customerId, DateTimeOffset endsAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var running = ReadSubscriptions(connection, transaction, customerId)
                .FirstOrDefault(s => s.StartsAt <= endsAt && (s.EndsAt is null || s.EndsAt > endsAt));
            if (running is null)
            {
                return null;
            }

            EndSubscription(connection, transaction, running.Id, SqlValues.Micros(endsAt));
            transaction.Commit();
            return running with { EndsAt = endsAt };
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string customerId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Subscription>>(connection => ReadSubscriptions(connection, null, customerId), cancellationToken);

    private static void EndSubscription(SqliteConnection connection, SqliteTransaction transaction, string id, long at)
    {
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE billing_subscriptions SET ends_at = $at WHERE id = $id";
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$at", at);
        update.ExecuteNonQuery();
    }

    private static List<Subscription> ReadSubscriptions(SqliteConnection connection, SqliteTransaction? transaction, string customerId)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = """
            SELECT id, customer_id, plan_id, plan_version, starts_at, ends_at FROM billing_subscriptions
            WHERE customer_id = $customer ORDER BY starts_at, created_at
            """;
        query.Parameters.AddWithValue("$customer", customerId);
        using var reader = query.ExecuteReader();
        var subscriptions = new List<Subscription>();
        while (reader.Read())
        {
            subscriptions.Add(new Subscription(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                SqlValues.Time(reader.GetInt64(4)), reader.IsDBNull(5) ? null : SqlValues.Time(reader.GetInt64(5))));
        }

        return subscriptions;
    }

    private static StoredPlan? ReadPlan(SqliteConnection connection, SqliteTransaction? transaction, string planId, int? version)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = """
            SELECT id, version, name, currency, definition, created_at FROM billing_plans
            WHERE id = $id AND ($version IS NULL OR version = $version) ORDER BY version DESC LIMIT 1
            """;
        query.Parameters.AddWithValue("$id", planId);
        query.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        using var reader = query.ExecuteReader();
        return reader.Read() ? ReadPlanRow(reader) : null;
    }

    private static StoredPlan ReadPlanRow(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), SqlValues.Time(reader.GetInt64(5)));

    private static BillingAccount? ReadAccount(SqliteConnection connection, SqliteTransaction? transaction, string customerId)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = "SELECT customer_id, currency, created_at FROM billing_accounts WHERE customer_id = $id";
        query.Parameters.AddWithValue("$id", customerId);
        using var reader = query.ExecuteReader();
        return reader.Read() ? new BillingAccount(reader.GetString(0), reader.GetString(1), SqlValues.Time(reader.GetInt64(2))) : null;
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = BillingCommand(connection, transaction, sql, parameters);
        return command.ExecuteScalar();
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = BillingCommand(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>A one-off statement of the billing store's, its parameters bound (null as SQL NULL).</summary>
    private static SqliteCommand BillingCommand(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Money as exact invariant text: "1.50" reads back as 1.50m, scale included.</summary>
    private static string MoneyText(decimal amount) => amount.ToString(CultureInfo.InvariantCulture);

    private static object MoneyText(decimal? amount) => amount is { } a ? MoneyText(a) : DBNull.Value;

    private static decimal ReadMoney(SqliteDataReader reader, int ordinal) => decimal.Parse(reader.GetString(ordinal), NumberStyles.Number, CultureInfo.InvariantCulture);

    private static decimal? ReadNullableMoney(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadMoney(reader, ordinal);
}
