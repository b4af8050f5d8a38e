using System.Text.Json;
using Keel.Billing;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>Invoices: drafts replaced in place, gapless numbering at finalization, and voids.</summary>
public sealed partial class SqliteKeelStore
{
    private const string InvoiceColumns =
        "id, customer_id, number, status, period_start, period_end, currency, plan_versions, unrounded_total, total, created_at, updated_at, finalized_at, voided_at";

    public async ValueTask<Invoice> SaveDraftInvoiceAsync(Invoice draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentException.ThrowIfNullOrWhiteSpace(draft.Id);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            if (ReadInvoiceHeader(connection, transaction, "id = $id", ("$id", draft.Id)) is { Status: not InvoiceStatus.Draft } frozen)
            {
                throw new InvoiceImmutableException(frozen.Id, frozen.Status);
            }

            var current = ReadInvoiceHeader(connection, transaction, "customer_id = $customer AND period_start = $start AND period_end = $end AND status <> 'void'",
                ("$customer", draft.CustomerId), ("$start", SqlValues.Micros(draft.PeriodStart)), ("$end", SqlValues.Micros(draft.PeriodEnd)));
            if (current is { Status: not InvoiceStatus.Draft })
            {
                throw new InvoiceImmutableException(current.Id, current.Status);
            }

            var now = _time.GetUtcNow();
            var id = current?.Id ?? draft.Id;
            using (var upsert = connection.CreateCommand())
            {
                upsert.Transaction = transaction;
                upsert.CommandText = $"""
                    INSERT INTO billing_invoices ({InvoiceColumns})
                    VALUES ($id, $customer, NULL, 'draft', $start, $end, $currency, $plans, $unrounded, $total, $now, $now, NULL, NULL)
                    ON CONFLICT (id) DO UPDATE SET currency = excluded.currency, plan_versions = excluded.plan_versions,
                        unrounded_total = excluded.unrounded_total, total = excluded.total, updated_at = excluded.updated_at
                    """;
                upsert.Parameters.AddWithValue("$id", id);
                upsert.Parameters.AddWithValue("$customer", draft.CustomerId);
                upsert.Parameters.AddWithValue("$start", SqlValues.Micros(draft.PeriodStart));
                upsert.Parameters.AddWithValue("$end", SqlValues.Micros(draft.PeriodEnd));
                upsert.Parameters.AddWithValue("$currency", draft.Currency);
                upsert.Parameters.AddWithValue("$plans", string.Join(",", draft.PlanVersions));
                upsert.Parameters.AddWithValue("$unrounded", MoneyText(draft.UnroundedTotal));
                upsert.Parameters.AddWithValue("$total", MoneyText(draft.Total));
                upsert.Parameters.AddWithValue("$now", SqlValues.Micros(now));
                upsert.ExecuteNonQuery();
            }

            Execute(connection, transaction, "DELETE FROM billing_invoice_lines WHERE invoice_id = $id", ("$id", id));
            using (var line = connection.CreateCommand())
            {
                line.Transaction = transaction;
                line.CommandText = """
                    INSERT INTO billing_invoice_lines (invoice_id, seq, component_id, description, metric, quantity, unit_price, unrounded_amount, amount,
                                                       tiers, plan_id, plan_version, note)
                    VALUES ($id, $seq, $component, $description, $metric, $quantity, $unit, $unrounded, $amount, $tiers, $plan, $version, $note)
                    """;
                foreach (var l in draft.Lines)
                {
                    line.Parameters.Clear();
                    line.Parameters.AddWithValue("$id", id);
                    line.Parameters.AddWithValue("$seq", l.Seq);
                    line.Parameters.AddWithValue("$component", l.ComponentId);
                    line.Parameters.AddWithValue("$description", l.Description);
                    line.Parameters.AddWithValue("$metric", l.Metric);
                    line.Parameters.AddWithValue("$quantity", MoneyText(l.Quantity));
                    line.Parameters.AddWithValue("$unit", MoneyText(l.UnitPrice));
                    line.Parameters.AddWithValue("$unrounded", MoneyText(l.UnroundedAmount));
                    line.Parameters.AddWithValue("$amount", MoneyText(l.Amount));
                    line.Parameters.AddWithValue("$tiers", l.Tiers);
                    line.Parameters.AddWithValue("$plan", l.PlanId);
                    line.Parameters.AddWithValue("$version", l.PlanVersion);
                    line.Parameters.AddWithValue("$note", (object?)l.Note ?? DBNull.Value);
                    line.ExecuteNonQuery();
                }
            }

            // The event links change set-wise: a recomputed draft mostly bills the events it billed before, so only the
            // difference is deleted and inserted (a redraft of 10,000 unchanged events writes no link page).
            var eventIds = SqliteJson.Array(draft.EventIds);
            Execute(connection, transaction, """
                DELETE FROM billing_invoice_events
                WHERE invoice_id = $id AND event_id NOT IN (SELECT value FROM json_each($events))
                """, ("$id", id), ("$events", eventIds));
            Execute(connection, transaction, """
                INSERT INTO billing_invoice_events (invoice_id, event_id)
                SELECT DISTINCT $id, value FROM json_each($events)
                WHERE value NOT IN (SELECT event_id FROM billing_invoice_events WHERE invoice_id = $id)
                """, ("$id", id), ("$events", eventIds));

            var saved = ReadInvoice(connection, transaction, id)!;
            transaction.Commit();
            return saved;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<Invoice?> GetInvoiceAsync(string invoiceId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => ReadInvoice(connection, null, invoiceId), cancellationToken);

    public ValueTask<Invoice?> FindInvoiceAsync(string customerId, DateTimeOffset periodStart, DateTimeOffset periodEnd, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
            ReadInvoiceHeader(connection, null, "customer_id = $customer AND period_start = $start AND period_end = $end AND status <> 'void'",
                ("$customer", customerId), ("$start", SqlValues.Micros(periodStart)), ("$end", SqlValues.Micros(periodEnd))) is { } header
                ? ReadInvoice(connection, null, header.Id)
                : null,
            cancellationToken);

    public ValueTask<IReadOnlyList<Invoice>> ListInvoicesAsync(string? customerId = null, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Invoice>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT id FROM billing_invoices WHERE $customer IS NULL OR customer_id = $customer ORDER BY period_start, customer_id, number, created_at";
            query.Parameters.AddWithValue("$customer", (object?)customerId ?? DBNull.Value);
            var ids = new List<string>();
            using (var reader = query.ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            return ids.Select(id => ReadInvoice(connection, null, id)!).ToList();
        }, cancellationToken);

    public async ValueTask<Invoice> FinalizeInvoiceAsync(string invoiceId, DateTimeOffset finalizedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var header = ReadInvoiceHeader(connection, transaction, "id = $id", ("$id", invoiceId))
                ?? throw new StoreException($"No invoice '{invoiceId}'.");
            if (header.Status != InvoiceStatus.Draft)
            {
                throw new InvoiceImmutableException(invoiceId, header.Status);
            }

            // The number comes from a counter advanced in this transaction: a rollback gives it back, so numbers have no gaps.
            var number = (long)Scalar(connection, transaction, "UPDATE billing_counters SET value = value + 1 WHERE name = 'invoice' RETURNING value")!;
            var at = SqlValues.Micros(finalizedAt);
            Execute(connection, transaction, "UPDATE billing_invoices SET status = 'finalized', number = $number, finalized_at = $at, updated_at = $at WHERE id = $id",
                ("$id", invoiceId), ("$number", number), ("$at", at));

            // Stamp the billed events in one statement, walking the customer's own (clustered) rows rather than looking up
            // each linked id across the whole ledger. Only unbilled rows are stamped; when fewer rows were stamped than the
            // draft links, the links are checked one by one: an event billed by another invoice meanwhile refuses the
            // whole finalization (rolled back, number included), anything else (a link outside the customer) is stamped.
            var linked = (long)Scalar(connection, transaction, "SELECT count(*) FROM billing_invoice_events WHERE invoice_id = $id", ("$id", invoiceId))!;
            var stamped = Execute(connection, transaction, """
                UPDATE billing_events SET invoice_id = $id
                WHERE customer_id = $customer AND invoice_id IS NULL
                  AND EXISTS (SELECT 1 FROM billing_invoice_events l WHERE l.invoice_id = $id AND l.event_id = billing_events.id)
                """, ("$id", invoiceId), ("$customer", header.CustomerId));
            if (stamped < linked)
            {
                if (Scalar(connection, transaction, """
                        SELECT e.id FROM billing_invoice_events l JOIN billing_events e ON e.id = l.event_id
                        WHERE l.invoice_id = $id AND e.invoice_id IS NOT NULL AND e.invoice_id <> $id LIMIT 1
                        """, ("$id", invoiceId)) is string billedElsewhere)
                {
                    throw new StoreException($"Event {billedElsewhere} of draft {invoiceId} was billed by another invoice meanwhile: recompute the draft.");
                }

                Execute(connection, transaction, """
                    UPDATE billing_events SET invoice_id = $id
                    WHERE id IN (SELECT event_id FROM billing_invoice_events WHERE invoice_id = $id) AND invoice_id IS NULL
                    """, ("$id", invoiceId));
            }

            var finalized = ReadInvoice(connection, transaction, invoiceId)!;
            transaction.Commit();
            return finalized;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Invoice> VoidInvoiceAsync(string invoiceId, DateTimeOffset voidedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceId);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var header = ReadInvoiceHeader(connection, transaction, "id = $id", ("$id", invoiceId))
                ?? throw new StoreException($"No invoice '{invoiceId}'.");
            if (header.Status == InvoiceStatus.Void)
            {
                throw new InvoiceImmutableException(invoiceId, header.Status);
            }

            Execute(connection, transaction, "UPDATE billing_invoices SET status = 'void', voided_at = $at WHERE id = $id",
                ("$id", invoiceId), ("$at", SqlValues.Micros(voidedAt)));
            Execute(connection, transaction, "UPDATE billing_events SET invoice_id = NULL WHERE invoice_id = $id", ("$id", invoiceId));
            var voided = ReadInvoice(connection, transaction, invoiceId)!;
            transaction.Commit();
            return voided;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static Invoice? ReadInvoice(SqliteConnection connection, SqliteTransaction? transaction, string id)
    {
        var header = ReadInvoiceHeader(connection, transaction, "id = $id", ("$id", id));
        if (header is null)
        {
            return null;
        }

        var lines = new List<InvoiceLine>();
        using (var query = connection.CreateCommand())
        {
            query.Transaction = transaction;
            query.CommandText = """
                SELECT seq, component_id, description, metric, quantity, unit_price, unrounded_amount, amount, tiers, plan_id, plan_version, note
                FROM billing_invoice_lines WHERE invoice_id = $id ORDER BY seq
                """;
            query.Parameters.AddWithValue("$id", id);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                lines.Add(new InvoiceLine(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ReadMoney(reader, 4),
                    ReadNullableMoney(reader, 5), ReadMoney(reader, 6), ReadMoney(reader, 7), reader.GetString(8), reader.GetString(9), reader.GetInt32(10),
                    reader.IsDBNull(11) ? null : reader.GetString(11)));
            }
        }

        var eventIds = new List<string>();
        using (var query = connection.CreateCommand())
        {
            query.Transaction = transaction;
            query.CommandText = "SELECT event_id FROM billing_invoice_events WHERE invoice_id = $id ORDER BY event_id";
            query.Parameters.AddWithValue("$id", id);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                eventIds.Add(reader.GetString(0));
            }
        }

        return header with { Lines = lines, EventIds = eventIds };
    }

    private static Invoice? ReadInvoiceHeader(SqliteConnection connection, SqliteTransaction? transaction, string where, params (string Name, object? Value)[] parameters)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = $"SELECT {InvoiceColumns} FROM billing_invoices WHERE {where}";
        foreach (var (name, value) in parameters)
        {
            query.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = query.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var plans = reader.GetString(7);
        return new Invoice
        {
            Id = reader.GetString(0),
            CustomerId = reader.GetString(1),
            Number = reader.IsDBNull(2) ? null : reader.GetInt64(2),
            Status = Enum.Parse<InvoiceStatus>(reader.GetString(3), ignoreCase: true),
            PeriodStart = SqlValues.Time(reader.GetInt64(4)),
            PeriodEnd = SqlValues.Time(reader.GetInt64(5)),
            Currency = reader.GetString(6),
            PlanVersions = plans.Length == 0 ? [] : plans.Split(','),
            UnroundedTotal = ReadMoney(reader, 8),
            Total = ReadMoney(reader, 9),
            CreatedAt = SqlValues.Time(reader.GetInt64(10)),
            UpdatedAt = SqlValues.Time(reader.GetInt64(11)),
            FinalizedAt = reader.IsDBNull(12) ? null : SqlValues.Time(reader.GetInt64(12)),
            VoidedAt = reader.IsDBNull(13) ? null : SqlValues.Time(reader.GetInt64(13)),
        };
    }
}
