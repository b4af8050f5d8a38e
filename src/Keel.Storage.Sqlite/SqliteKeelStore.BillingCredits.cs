using Keel.Billing;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>Credit notes (gapless numbers, one per source event) and the recorded cost margins are measured against.</summary>
public sealed partial class SqliteKeelStore
{
    public async ValueTask<CreditNote> AddCreditNoteAsync(CreditNote creditNote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creditNote);
        ArgumentException.ThrowIfNullOrWhiteSpace(creditNote.Id);
        ArgumentException.ThrowIfNullOrWhiteSpace(creditNote.Reason);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            if (creditNote.SourceEventId is { } source
                && Scalar(connection, transaction, "SELECT id FROM billing_credit_notes WHERE source_event_id = $source", ("$source", source)) is string existingId)
            {
                return ReadCreditNotes(connection, transaction, "n.id = $id", ("$id", existingId))[0];
            }

            var invoice = ReadInvoiceHeader(connection, transaction, "id = $id", ("$id", creditNote.InvoiceId))
                ?? throw new StoreException($"No invoice '{creditNote.InvoiceId}'.");
            if (invoice.Status != InvoiceStatus.Finalized || invoice.CustomerId != creditNote.CustomerId)
            {
                throw new StoreException($"Invoice {creditNote.InvoiceId} is {invoice.Status.ToString().ToLowerInvariant()}: only a finalized invoice of the same customer can be credited.");
            }

            var number = (long)Scalar(connection, transaction, "UPDATE billing_counters SET value = value + 1 WHERE name = 'credit_note' RETURNING value")!;
            var createdAt = creditNote.CreatedAt == default ? _time.GetUtcNow() : creditNote.CreatedAt;
            Execute(connection, transaction, """
                INSERT INTO billing_credit_notes (id, number, customer_id, invoice_id, source_event_id, reason, currency, unrounded_total, total, created_at)
                VALUES ($id, $number, $customer, $invoice, $source, $reason, $currency, $unrounded, $total, $created)
                """,
                ("$id", creditNote.Id), ("$number", number), ("$customer", creditNote.CustomerId), ("$invoice", creditNote.InvoiceId),
                ("$source", creditNote.SourceEventId), ("$reason", creditNote.Reason), ("$currency", creditNote.Currency),
                ("$unrounded", MoneyText(creditNote.UnroundedTotal)), ("$total", MoneyText(creditNote.Total)), ("$created", SqlValues.Micros(createdAt)));
            foreach (var line in creditNote.Lines)
            {
                Execute(connection, transaction, """
                    INSERT INTO billing_credit_note_lines (credit_note_id, seq, component_id, description, metric, quantity, unrounded_amount, amount)
                    VALUES ($id, $seq, $component, $description, $metric, $quantity, $unrounded, $amount)
                    """,
                    ("$id", creditNote.Id), ("$seq", line.Seq), ("$component", line.ComponentId), ("$description", line.Description), ("$metric", line.Metric),
                    ("$quantity", MoneyText(line.Quantity)), ("$unrounded", MoneyText(line.UnroundedAmount)), ("$amount", MoneyText(line.Amount)));
            }

            var stored = ReadCreditNotes(connection, transaction, "n.id = $id", ("$id", creditNote.Id))[0];
            transaction.Commit();
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<CreditNote>> ListCreditNotesAsync(string? customerId = null, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<CreditNote>>(connection =>
            ReadCreditNotes(connection, null, "$customer IS NULL OR n.customer_id = $customer", ("$customer", customerId)), cancellationToken);

    public ValueTask<IReadOnlyList<BillingCostRow>> BillingCostsAsync(DateTimeOffset since, DateTimeOffset until, string? customerId = null, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<BillingCostRow>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT u.customer_id, coalesce(u.agent, t.agent, '(none)') AS agent_key,
                       sum(CASE WHEN u.kind = 'model' THEN u.cost_nanousd ELSE 0 END),
                       sum(CASE WHEN u.kind = 'tool' THEN u.cost_nanousd ELSE 0 END),
                       sum(CASE WHEN u.kind = 'human' THEN u.cost_nanousd ELSE 0 END)
                FROM usage_events u LEFT JOIN tasks t ON t.id = u.task_id
                WHERE u.created_at >= $from AND u.created_at < $to AND ($customer IS NULL OR u.customer_id = $customer)
                GROUP BY u.customer_id, agent_key
                ORDER BY u.customer_id, agent_key
                """;
            query.Parameters.AddWithValue("$from", SqlValues.Micros(since));
            query.Parameters.AddWithValue("$to", SqlValues.Micros(until));
            query.Parameters.AddWithValue("$customer", (object?)customerId ?? DBNull.Value);
            using var reader = query.ExecuteReader();
            var rows = new List<BillingCostRow>();
            while (reader.Read())
            {
                rows.Add(new BillingCostRow(reader.GetString(0), reader.GetString(1),
                    SqlValues.Usd(reader.GetInt64(2)), SqlValues.Usd(reader.GetInt64(3)), SqlValues.Usd(reader.GetInt64(4))));
            }

            return rows;
        }, cancellationToken);

    private static List<CreditNote> ReadCreditNotes(SqliteConnection connection, SqliteTransaction? transaction, string where, params (string Name, object? Value)[] parameters)
    {
        var notes = new List<CreditNote>();
        using (var query = connection.CreateCommand())
        {
            query.Transaction = transaction;
            query.CommandText = $"""
                SELECT n.id, n.number, n.customer_id, n.invoice_id, n.source_event_id, n.reason, n.currency, n.unrounded_total, n.total, n.created_at
                FROM billing_credit_notes n WHERE {where} ORDER BY n.number
                """;
            foreach (var (name, value) in parameters)
            {
                query.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                notes.Add(new CreditNote
                {
                    Id = reader.GetString(0),
                    Number = reader.GetInt64(1),
                    CustomerId = reader.GetString(2),
                    InvoiceId = reader.GetString(3),
                    SourceEventId = reader.IsDBNull(4) ? null : reader.GetString(4),
                    Reason = reader.GetString(5),
                    Currency = reader.GetString(6),
                    UnroundedTotal = ReadMoney(reader, 7),
                    Total = ReadMoney(reader, 8),
                    CreatedAt = SqlValues.Time(reader.GetInt64(9)),
                });
            }
        }

        for (var i = 0; i < notes.Count; i++)
        {
            using var lines = connection.CreateCommand();
            lines.Transaction = transaction;
            lines.CommandText = """
                SELECT seq, component_id, description, metric, quantity, unrounded_amount, amount
                FROM billing_credit_note_lines WHERE credit_note_id = $id ORDER BY seq
                """;
            lines.Parameters.AddWithValue("$id", notes[i].Id);
            using var reader = lines.ExecuteReader();
            var list = new List<CreditNoteLine>();
            while (reader.Read())
            {
                list.Add(new CreditNoteLine(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    ReadMoney(reader, 4), ReadMoney(reader, 5), ReadMoney(reader, 6)));
            }

            notes[i] = notes[i] with { Lines = list };
        }

        return notes;
    }
}
