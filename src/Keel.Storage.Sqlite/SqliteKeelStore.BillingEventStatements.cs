using Keel.Billing;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    /// <summary>
    /// The three statements a batch of ledger appends runs, prepared once per batch and only rebound per event:
    /// compiling SQL was most of the cost of an append when each event created its own commands.
    /// </summary>
    private sealed class BillingEventStatements : IDisposable
    {
        // Each customer's events get rowids in its own range, customer rowid * 2^32 + 1, + 2, ...: the table is then
        // clustered by customer, which is what drafts (read one customer) and finalization (stamp one customer) need.
        // The next rowid is the range's highest + 1, looked up in the insert itself, so nothing is cached between
        // statements and any writer of the file agrees. A customer not in the customers table gets no rowid here and
        // fails the foreign key, as before.
        private const string InsertSql = $"""
            INSERT INTO billing_events (rowid, {BillableEventColumns})
            VALUES ((SELECT coalesce((SELECT e.rowid FROM billing_events e
                                      WHERE e.rowid BETWEEN c.rowid * 4294967296 AND c.rowid * 4294967296 + 4294967295
                                      ORDER BY e.rowid DESC LIMIT 1),
                                     c.rowid * 4294967296) + 1
                     FROM customers c WHERE c.id = $customer),
                    $id, $customer, $key, $metric, $quantity, $value, $at, $kind, $target, $task, $agent, $received, NULL)
            ON CONFLICT (customer_id, idempotency_key) DO NOTHING
            RETURNING {BillableEventColumns}
            """;

        private readonly SqliteCommand _insert;
        private readonly SqliteCommand _byKey;
        private readonly SqliteCommand _byId;

        public BillingEventStatements(SqliteConnection connection, SqliteTransaction transaction)
        {
            _insert = Prepare(connection, transaction, InsertSql,
                "$id", "$customer", "$key", "$metric", "$quantity", "$value", "$at", "$kind", "$target", "$task", "$agent", "$received");
            _insert.Parameters["$at"].SqliteType = SqliteType.Integer;
            _insert.Parameters["$received"].SqliteType = SqliteType.Integer;
            _byKey = Prepare(connection, transaction,
                $"SELECT {BillableEventColumns} FROM billing_events WHERE customer_id = $customer AND idempotency_key = $key", "$customer", "$key");
            _byId = Prepare(connection, transaction, $"SELECT {BillableEventColumns} FROM billing_events WHERE id = $id", "$id");
        }

        /// <summary>Appends the event; the stored row, or null when its (customer, key) is already taken.</summary>
        public BillableEvent? Insert(BillableEvent e, long receivedMicros)
        {
            var p = _insert.Parameters;
            p["$id"].Value = e.Id;
            p["$customer"].Value = e.CustomerId;
            p["$key"].Value = e.IdempotencyKey;
            p["$metric"].Value = e.Metric;
            p["$quantity"].Value = MoneyText(e.Quantity);
            p["$value"].Value = MoneyText(e.Value);
            p["$at"].Value = Schema.SqlValues.Micros(e.Timestamp);
            p["$kind"].Value = KindText(e.Kind);
            p["$target"].Value = (object?)e.TargetEventId ?? DBNull.Value;
            p["$task"].Value = (object?)e.TaskId ?? DBNull.Value;
            p["$agent"].Value = (object?)e.Agent ?? DBNull.Value;
            p["$received"].Value = receivedMicros;
            return ReadOne(_insert);
        }

        public BillableEvent? ReadByKey(string customerId, string key)
        {
            _byKey.Parameters["$customer"].Value = customerId;
            _byKey.Parameters["$key"].Value = key;
            return ReadOne(_byKey);
        }

        public BillableEvent? ReadById(string id)
        {
            _byId.Parameters["$id"].Value = id;
            return ReadOne(_byId);
        }

        public void Dispose()
        {
            _insert.Dispose();
            _byKey.Dispose();
            _byId.Dispose();
        }

        private static BillableEvent? ReadOne(SqliteCommand command)
        {
            using var reader = command.ExecuteReader();
            var row = reader.Read() ? ReadEventRow(reader) : null;
            // Step to the end: an INSERT … RETURNING completes its write only once its rows are consumed.
            while (reader.Read())
            {
            }

            return row;
        }

        private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var name in names)
            {
                command.Parameters.Add(name, SqliteType.Text).Value = DBNull.Value;
            }

            command.Prepare();
            return command;
        }
    }
}
