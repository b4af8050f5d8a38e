using System.Globalization;
using Keel.Budgets;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    private const string BudgetColumns = "id, scope, scope_id, customer_id, limit_nanousd, period, thresholds, webhook_url, created_at";

    public async ValueTask<Budget> UpsertBudgetAsync(Budget budget, CancellationToken cancellationToken = default) =>
        await WriteAsync(connection =>
        {
            using var upsert = connection.CreateCommand();
            upsert.CommandText = $"""
                INSERT INTO budgets ({BudgetColumns}) VALUES ($id, $scope, $scope_id, $customer, $limit, $period, $thresholds, $webhook, $created)
                ON CONFLICT (scope, customer_id, scope_id) DO UPDATE SET limit_nanousd = excluded.limit_nanousd, period = excluded.period,
                    thresholds = excluded.thresholds, webhook_url = excluded.webhook_url;
                SELECT {BudgetColumns} FROM budgets WHERE scope = $scope AND customer_id = $customer AND scope_id = $scope_id;
                """;
            upsert.Parameters.AddWithValue("$id", budget.Id);
            upsert.Parameters.AddWithValue("$scope", ScopeText(budget.Scope));
            upsert.Parameters.AddWithValue("$scope_id", budget.ScopeId);
            upsert.Parameters.AddWithValue("$customer", budget.CustomerId);
            upsert.Parameters.AddWithValue("$limit", SqlValues.Nano(budget.LimitUsd));
            upsert.Parameters.AddWithValue("$period", budget.Period.ToString().ToLowerInvariant());
            upsert.Parameters.AddWithValue("$thresholds", string.Join(',', budget.Thresholds.Select(t => t.ToString(CultureInfo.InvariantCulture))));
            upsert.Parameters.AddWithValue("$webhook", (object?)budget.WebhookUrl ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$created", SqlValues.Micros(budget.CreatedAt));
            using var reader = upsert.ExecuteReader();
            reader.Read();
            return ReadBudget(reader);
        }, cancellationToken).ConfigureAwait(false);

    public ValueTask<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Budget>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {BudgetColumns} FROM budgets ORDER BY created_at, id";
            using var reader = query.ExecuteReader();
            var budgets = new List<Budget>();
            while (reader.Read())
            {
                budgets.Add(ReadBudget(reader));
            }

            return budgets;
        }, cancellationToken);

    public ValueTask<decimal> SpentAsync(BudgetScope scope, string scopeId, string customerId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            // Every scope but a task's reads its customer's usage from the day of since on, through usage_by_customer_day,
            // and filters the rest.
            var filter = scope switch
            {
                BudgetScope.Key => "u.customer_id = $customer AND u.api_key_id = $scope_id",
                BudgetScope.Customer => "u.customer_id = $scope_id",
                BudgetScope.Session => "u.customer_id = $customer AND u.session_id = $scope_id",
                BudgetScope.Task => "u.task_id = $scope_id",
                _ => "u.customer_id = $customer AND u.agent = $scope_id",
            };
            query.CommandText = $"SELECT coalesce(sum(u.cost_nanousd), 0) FROM usage_events u WHERE {filter} AND {UsageByCustomerDay.Day} >= $since_day AND u.created_at >= $since";
            var sinceMicros = since == DateTimeOffset.MinValue ? long.MinValue : SqlValues.Micros(since);
            query.Parameters.AddWithValue("$scope_id", scopeId);
            query.Parameters.AddWithValue("$customer", customerId);
            query.Parameters.AddWithValue("$since", sinceMicros);
            query.Parameters.AddWithValue("$since_day", UsageByCustomerDay.DayOf(sinceMicros));
            return SqlValues.Usd(Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture));
        }, cancellationToken);

    public async ValueTask<bool> AddBudgetEventAsync(BudgetEvent budgetEvent, CancellationToken cancellationToken = default) =>
        await WriteAsync(connection =>
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO budget_events (id, budget_id, threshold, spent_nanousd, limit_nanousd, period_start, at)
                VALUES ($id, $budget, $threshold, $spent, $limit, $period, $at)
                ON CONFLICT (budget_id, threshold, period_start) DO NOTHING
                """;
            insert.Parameters.AddWithValue("$id", budgetEvent.Id);
            insert.Parameters.AddWithValue("$budget", budgetEvent.BudgetId);
            insert.Parameters.AddWithValue("$threshold", budgetEvent.Threshold.ToString(CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("$spent", SqlValues.Nano(budgetEvent.SpentUsd));
            insert.Parameters.AddWithValue("$limit", SqlValues.Nano(budgetEvent.LimitUsd));
            insert.Parameters.AddWithValue("$period", budgetEvent.PeriodStart == DateTimeOffset.MinValue ? long.MinValue : SqlValues.Micros(budgetEvent.PeriodStart));
            insert.Parameters.AddWithValue("$at", SqlValues.Micros(budgetEvent.At));
            return insert.ExecuteNonQuery() == 1;
        }, cancellationToken).ConfigureAwait(false);

    public ValueTask<IReadOnlyList<BudgetEvent>> ListBudgetEventsAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<BudgetEvent>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT id, budget_id, threshold, spent_nanousd, limit_nanousd, period_start, at FROM budget_events ORDER BY at DESC, id DESC LIMIT $limit";
            query.Parameters.AddWithValue("$limit", limit);
            using var reader = query.ExecuteReader();
            var events = new List<BudgetEvent>();
            while (reader.Read())
            {
                var periodStart = reader.GetInt64(5);
                events.Add(new BudgetEvent
                {
                    Id = reader.GetString(0),
                    BudgetId = reader.GetString(1),
                    Threshold = decimal.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                    SpentUsd = SqlValues.Usd(reader.GetInt64(3)),
                    LimitUsd = SqlValues.Usd(reader.GetInt64(4)),
                    PeriodStart = periodStart == long.MinValue ? DateTimeOffset.MinValue : SqlValues.Time(periodStart),
                    At = SqlValues.Time(reader.GetInt64(6)),
                });
            }

            return events;
        }, cancellationToken);

    private static string ScopeText(BudgetScope scope) => scope.ToString().ToLowerInvariant();

    private static Budget ReadBudget(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Scope = Enum.Parse<BudgetScope>(reader.GetString(1), ignoreCase: true),
        ScopeId = reader.GetString(2),
        CustomerId = reader.GetString(3),
        LimitUsd = SqlValues.Usd(reader.GetInt64(4)),
        Period = Enum.Parse<BudgetPeriod>(reader.GetString(5), ignoreCase: true),
        Thresholds = [.. reader.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => decimal.Parse(t, CultureInfo.InvariantCulture))],
        WebhookUrl = reader.IsDBNull(7) ? null : reader.GetString(7),
        CreatedAt = SqlValues.Time(reader.GetInt64(8)),
    };
}
