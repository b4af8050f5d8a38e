using Keel.Billing;
using Keel.Oversight;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>The billing ledger: exactly-once appends, reads, and the task change feed the ledger derives from.</summary>
public sealed partial class SqliteKeelStore
{
    /// <summary>64 MB: the hot leaf pages of 1,000 customers' table range and key index (16 MB) with room for interior pages.</summary>
    private const int BillingWriterCacheKib = 65_536;

    private const int BillingWalCheckpointPages = 32_768;

    private bool _billingCacheRaised;

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
            RaiseWriterCache(connection);
            using var transaction = connection.BeginTransaction();
            using var statements = new BillingEventStatements(connection, transaction);
            var now = SqlValues.Micros(_time.GetUtcNow());
            var results = new List<BillableEventWrite>(events.Count);
            foreach (var submitted in events)
            {
                // The stored time has microsecond resolution; a resubmission compares at that resolution.
                var e = submitted with { Timestamp = SqlValues.Time(SqlValues.Micros(submitted.Timestamp)) };
                if (e.TargetEventId is { } targetId)
                {
                    var target = statements.ReadById(targetId);
                    if (target is null || target.CustomerId != e.CustomerId || target.Kind != BillableEventKind.Usage)
                    {
                        // A resubmitted correction whose key is already stored returns it (or conflicts) before this check.
                        if (statements.ReadByKey(e.CustomerId, e.IdempotencyKey) is { } earlier)
                        {
                            results.Add(Duplicate(earlier, e));
                            continue;
                        }

                        throw new StoreException($"A {e.Kind.ToString().ToLowerInvariant()} must target a usage event of customer {e.CustomerId}; '{targetId}' is not one.");
                    }
                }

                // Insert first, look up only when the key is taken: a new event costs one statement. The conflict target is
                // checked before the id's uniqueness, so a resubmission with the same id is a duplicate, not an error. Under
                // the single writer the insert and the look-up cannot interleave with another submission of the key: of
                // twenty racing duplicates one inserts, the others find it.
                BillableEvent? inserted;
                try
                {
                    inserted = statements.Insert(e, now);
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
                {
                    throw new StoreException($"Event {e.Id} cannot be stored: {ex.Message}", ex);
                }

                results.Add(inserted is not null
                    ? new BillableEventWrite(inserted, Created: true)
                    : Duplicate(statements.ReadByKey(e.CustomerId, e.IdempotencyKey)!, e));
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
                if (cursorName == TaskBillingChange.FeedCursor)
                {
                    // The feed's one reader has passed these rows: drop them, or the table grows with every task forever.
                    // AUTOINCREMENT never hands a deleted seq out again, so the cursor stays valid.
                    cursor.CommandText = "DELETE FROM billing_task_changes WHERE seq <= (SELECT position FROM billing_cursors WHERE name = $name)";
                    cursor.ExecuteNonQuery();
                }
            }

            transaction.Commit();
            return results;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static BillableEventWrite Duplicate(BillableEvent existing, BillableEvent submitted) =>
        existing.SamePayload(submitted)
            ? new BillableEventWrite(existing, Created: false)
            : throw new BillableEventConflictException(submitted.CustomerId, submitted.IdempotencyKey, existing.Id);

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

    private static BillableEvent ReadEventRow(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        CustomerId = reader.GetString(1),
        IdempotencyKey = reader.GetString(2),
        Metric = reader.GetString(3),
        Quantity = ReadMoney(reader, 4),
        Value = ReadNullableMoney(reader, 5),
        Timestamp = SqlValues.Time(reader.GetInt64(6)),
        Kind = ReadKind(reader.GetString(7)),
        TargetEventId = reader.IsDBNull(8) ? null : reader.GetString(8),
        TaskId = reader.IsDBNull(9) ? null : reader.GetString(9),
        Agent = reader.IsDBNull(10) ? null : reader.GetString(10),
        ReceivedAt = SqlValues.Time(reader.GetInt64(11)),
        InvoiceId = reader.IsDBNull(12) ? null : reader.GetString(12),
    };

    private static string KindText(BillableEventKind kind) => kind switch
    {
        BillableEventKind.Usage => "usage",
        BillableEventKind.Correction => "correction",
        BillableEventKind.Void => "void",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static BillableEventKind ReadKind(string text) => text switch
    {
        "usage" => BillableEventKind.Usage,
        "correction" => BillableEventKind.Correction,
        "void" => BillableEventKind.Void,
        _ => Enum.Parse<BillableEventKind>(text, ignoreCase: true),
    };

    /// <summary>
    /// Raises the writer connection's page cache and checkpoint interval for billing writes, once. Interleaved customers put one leaf page of
    /// the customer-clustered table and of the key index per customer into every batch, so a batch of 1,000 events
    /// touches ~2,000 pages: with SQLite's default 2 MB cache they are read again for every batch. The cache is
    /// allocated as used, up to this bound, so a store that never bills never pays for it.
    /// </summary>
    private void RaiseWriterCache(SqliteConnection connection)
    {
        if (_billingCacheRaised)
        {
            return;
        }

        // And checkpoint every 32,768 WAL pages: a batch writes more than 1,000 pages, so at SQLite's default every commit
        // checkpointed (and synced) the file; the same hot pages are now copied back once per several batches, by the
        // store's checkpoint thread (a wal_autocheckpoint pragma here would replace its hook). Commits stay as durable as
        // synchronous= says; only the WAL file grows larger between checkpoints.
        Execute(connection, $"PRAGMA cache_size = -{BillingWriterCacheKib};");
        Checkpointer.RaiseThreshold(BillingWalCheckpointPages);
        _billingCacheRaised = true;
    }
}
