using Keel.Billing;
using Keel.Oversight;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>The billing ledger: exactly-once appends, reads, and the task change feed the ledger derives from.</summary>
public sealed partial class SqliteKeelStore
{
    private const string BillableEventColumns =
        "id, customer_id, idempotency_key, metric, quantity, value, occurred_at, kind, target_event_id, task_id, agent, received_at, invoice_id";

    public async ValueTask<BillableEventWrite> AddBillableEventAsync(BillableEvent billableEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(billableEvent);
        return (await AddBillableEventsAsync([billableEvent], cancellationToken: cancellationToken).ConfigureAwait(false))[0];
    }

    public async ValueTask<IReadOnlyList<BillableEventWrite>> AddBillableEventsAsync(IReadOnlyList<BillableEvent> events, string? cursorName = null, long cursorPosition = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            ValidateEvent(e);
        }

        return await WriteAsync<IReadOnlyList<BillableEventWrite>>(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"""
                INSERT INTO billing_events ({BillableEventColumns})
                VALUES ($id, $customer, $key, $metric, $quantity, $value, $at, $kind, $target, $task, $agent, $received, NULL)
                ON CONFLICT (customer_id, idempotency_key) DO NOTHING
                """;
            var now = _time.GetUtcNow();
            var results = new List<BillableEventWrite>(events.Count);
            foreach (var submitted in events)
            {
                // The stored time has microsecond resolution; a resubmission compares at that resolution.
                var e = submitted with { Timestamp = SqlValues.Time(SqlValues.Micros(submitted.Timestamp)) };

                // Under the single writer the look-up and the insert cannot interleave with another submission of the key:
                // of twenty racing duplicates one inserts, the others find it.
                var existing = ReadEventByKey(connection, transaction, e.CustomerId, e.IdempotencyKey);
                if (existing is not null)
                {
                    results.Add(existing.SamePayload(e)
                        ? new BillableEventWrite(existing, Created: false)
                        : throw new BillableEventConflictException(e.CustomerId, e.IdempotencyKey, existing.Id));
                    continue;
                }

                if (e.TargetEventId is { } targetId)
                {
                    var target = ReadEvent(connection, transaction, targetId);
                    if (target is null || target.CustomerId != e.CustomerId || target.Kind != BillableEventKind.Usage)
                    {
                        throw new StoreException($"A {e.Kind.ToString().ToLowerInvariant()} must target a usage event of customer {e.CustomerId}; '{targetId}' is not one.");
                    }
                }

                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$id", e.Id);
                insert.Parameters.AddWithValue("$customer", e.CustomerId);
                insert.Parameters.AddWithValue("$key", e.IdempotencyKey);
                insert.Parameters.AddWithValue("$metric", e.Metric);
                insert.Parameters.AddWithValue("$quantity", MoneyText(e.Quantity));
                insert.Parameters.AddWithValue("$value", MoneyText(e.Value));
                insert.Parameters.AddWithValue("$at", SqlValues.Micros(e.Timestamp));
                insert.Parameters.AddWithValue("$kind", KindText(e.Kind));
                insert.Parameters.AddWithValue("$target", (object?)e.TargetEventId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$task", (object?)e.TaskId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$agent", (object?)e.Agent ?? DBNull.Value);
                insert.Parameters.AddWithValue("$received", SqlValues.Micros(now));
                try
                {
                    insert.ExecuteNonQuery();
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
                {
                    throw new StoreException($"Event {e.Id} cannot be stored: {ex.Message}", ex);
                }

                results.Add(new BillableEventWrite(ReadEvent(connection, transaction, e.Id)!, Created: true));
            }

            if (cursorName is not null)
            {
                using var cursor = connection.CreateCommand();
                cursor.Transaction = transaction;
                cursor.CommandText = """
                    INSERT INTO billing_cursors (name, position) VALUES ($name, $position)
                    ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position)
                    """;
                cursor.Parameters.AddWithValue("$name", cursorName);
                cursor.Parameters.AddWithValue("$position", cursorPosition);
                cursor.ExecuteNonQuery();
            }

            transaction.Commit();
            return results;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<BillableEvent>> ListBillableEventsAsync(BillableEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync<IReadOnlyList<BillableEvent>>(connection =>
        {
            using var command = connection.CreateCommand();
            var taskFilter = "";
            if (query.TaskIds is { } taskIds)
            {
                var names = taskIds.Select((id, i) => (Name: $"$t{i}", Id: id)).ToList();
                if (names.Count == 0)
                {
                    return [];
                }

                taskFilter = $"AND task_id IN ({string.Join(", ", names.Select(n => n.Name))})";
                foreach (var (name, id) in names)
                {
                    command.Parameters.AddWithValue(name, id);
                }
            }

            command.CommandText = $"""
                SELECT {BillableEventColumns} FROM billing_events
                WHERE customer_id = $customer AND ($from IS NULL OR occurred_at >= $from) AND ($to IS NULL OR occurred_at < $to) {taskFilter}
                ORDER BY occurred_at, id
                """;
            command.Parameters.AddWithValue("$customer", query.CustomerId);
            command.Parameters.AddWithValue("$from", query.From is { } from ? SqlValues.Micros(from) : DBNull.Value);
            command.Parameters.AddWithValue("$to", query.To is { } to ? SqlValues.Micros(to) : DBNull.Value);
            using var reader = command.ExecuteReader();
            var events = new List<BillableEvent>();
            while (reader.Read())
            {
                events.Add(ReadEventRow(reader));
            }

            return events;
        }, cancellationToken);
    }

    public ValueTask<long> GetBillingCursorAsync(string name, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => Scalar(connection, null, "SELECT position FROM billing_cursors WHERE name = $name", ("$name", name)) is long position ? position : 0L,
            cancellationToken);

    public ValueTask<IReadOnlyList<TaskBillingChange>> ReadTaskBillingChangesAsync(long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return ReadAsync<IReadOnlyList<TaskBillingChange>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                WITH page AS (SELECT seq, task_id FROM billing_task_changes WHERE seq > $after ORDER BY seq LIMIT $limit),
                     latest AS (SELECT task_id, max(seq) AS seq FROM page GROUP BY task_id)
                SELECT l.seq, t.id, t.customer_id, t.agent, t.status, t.created_at, t.ended_at, t.outcome, t.outcome_value, t.outcome_at,
                       coalesce((SELECT sum(u.cost_nanousd) FROM usage_events u WHERE u.task_id = t.id AND u.kind = 'model'), 0)
                FROM latest l JOIN tasks t ON t.id = l.task_id
                ORDER BY l.seq
                """;
            query.Parameters.AddWithValue("$after", afterSeq);
            query.Parameters.AddWithValue("$limit", limit);
            using var reader = query.ExecuteReader();
            var changes = new List<TaskBillingChange>();
            while (reader.Read())
            {
                changes.Add(new TaskBillingChange(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    SqlValues.TaskStatus(reader.GetString(4)),
                    SqlValues.Time(reader.GetInt64(5)),
                    reader.IsDBNull(6) ? null : SqlValues.Time(reader.GetInt64(6)),
                    reader.IsDBNull(7) ? null : Enum.Parse<TaskOutcome>(reader.GetString(7), ignoreCase: true),
                    ReadNullableMoney(reader, 8),
                    reader.IsDBNull(9) ? null : SqlValues.Time(reader.GetInt64(9)),
                    SqlValues.Usd(reader.GetInt64(10))));
            }

            return changes;
        }, cancellationToken);
    }

    private static void ValidateEvent(BillableEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentException.ThrowIfNullOrWhiteSpace(e.Id);
        ArgumentException.ThrowIfNullOrWhiteSpace(e.CustomerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(e.IdempotencyKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(e.Metric);
        if ((e.Kind == BillableEventKind.Usage) != (e.TargetEventId is null))
        {
            throw new ArgumentException("A usage event has no target; a correction or void names the usage event it applies to.", nameof(e));
        }
    }

    private static BillableEvent? ReadEventByKey(SqliteConnection connection, SqliteTransaction? transaction, string customerId, string key)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = $"SELECT {BillableEventColumns} FROM billing_events WHERE customer_id = $customer AND idempotency_key = $key";
        query.Parameters.AddWithValue("$customer", customerId);
        query.Parameters.AddWithValue("$key", key);
        using var reader = query.ExecuteReader();
        return reader.Read() ? ReadEventRow(reader) : null;
    }

    private static BillableEvent? ReadEvent(SqliteConnection connection, SqliteTransaction? transaction, string id)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = $"SELECT {BillableEventColumns} FROM billing_events WHERE id = $id";
        query.Parameters.AddWithValue("$id", id);
        using var reader = query.ExecuteReader();
        return reader.Read() ? ReadEventRow(reader) : null;
    }

    private static BillableEvent ReadEventRow(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        CustomerId = reader.GetString(1),
        IdempotencyKey = reader.GetString(2),
        Metric = reader.GetString(3),
        Quantity = ReadMoney(reader, 4),
        Value = ReadNullableMoney(reader, 5),
        Timestamp = SqlValues.Time(reader.GetInt64(6)),
        Kind = Enum.Parse<BillableEventKind>(reader.GetString(7), ignoreCase: true),
        TargetEventId = reader.IsDBNull(8) ? null : reader.GetString(8),
        TaskId = reader.IsDBNull(9) ? null : reader.GetString(9),
        Agent = reader.IsDBNull(10) ? null : reader.GetString(10),
        ReceivedAt = SqlValues.Time(reader.GetInt64(11)),
        InvoiceId = reader.IsDBNull(12) ? null : reader.GetString(12),
    };

    private static string KindText(BillableEventKind kind) => kind.ToString().ToLowerInvariant();
}
