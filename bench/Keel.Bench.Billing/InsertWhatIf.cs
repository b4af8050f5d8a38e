using System.Diagnostics;
using System.Globalization;
using Keel.Billing;
using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Billing;

internal sealed record WhatIfResult(string Variant, long Events, double EventsPerSecond);

/// <summary>
/// Where the event insert's time goes, measured on the store's own schema (a fresh file the store migrated) with a
/// raw connection set up as the store's writer: the shipped statement shape (per event a new look-up command, the
/// insert, a new command re-reading the row) against the same SQL on commands prepared once per batch, and that
/// without the re-read; and the shipped shape with a 256 MB page cache (SQLite's default is 2 MB). Not a store change: figures for the report.
/// </summary>
internal static class InsertWhatIf
{
    public static async Task<IReadOnlyList<WhatIfResult>> RunAsync(BenchOptions options, BillingPeriod period, long events)
    {
        var results = new List<WhatIfResult>();
        foreach (var variant in new[] { "shipped-shape", "shipped-shape+cache256mb", "prepared", "prepared-no-reread" })
        {
            var path = Path.Combine(options.WorkFolder, $"whatif-{variant}.db");
            var customers = new List<string>();
            await using (var store = await SqliteKeelStore.OpenAsync(path))
            {
                for (var c = 0; c < options.Customers; c++)
                {
                    customers.Add((await store.EnsureCustomerAsync(string.Create(CultureInfo.InvariantCulture, $"bench-{c:D5}"))).Id);
                }
            }

            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            Exec(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
            if (variant.EndsWith("+cache256mb", StringComparison.Ordinal))
            {
                Exec(connection, "PRAGMA cache_size = -262144;"); // SQLite's default is 2 MB
            }

            var whatIfOptions = options with { Events = events };
            var stream = new EventStream(whatIfOptions, period, customers);
            var batch = new List<BillableEvent>(options.Batch);
            long written = 0;
            var start = Stopwatch.GetTimestamp();
            for (long r = 0; r < whatIfOptions.EventsPerCustomer; r++)
            {
                for (var c = 0; c < customers.Count; c++)
                {
                    batch.Add(stream.Next(c, r));
                    if (batch.Count == options.Batch || (r == whatIfOptions.EventsPerCustomer - 1 && c == customers.Count - 1))
                    {
                        Write(connection, batch, variant);
                        written += batch.Count;
                        batch.Clear();
                    }
                }
            }

            results.Add(new WhatIfResult(variant, written, written / Stats.Seconds(start, Stopwatch.GetTimestamp())));
            Console.Error.WriteLine($"  what-if {variant}: {results[^1].EventsPerSecond:N0}/s");
        }

        return results;
    }

    private const string Columns = "id, customer_id, idempotency_key, metric, quantity, value, occurred_at, kind, target_event_id, task_id, agent, received_at, invoice_id";

    private static void Write(SqliteConnection connection, List<BillableEvent> batch, string variant)
    {
        using var transaction = connection.BeginTransaction();
        var prepared = !variant.StartsWith("shipped-shape", StringComparison.Ordinal);
        using var lookup = Command(connection, transaction, $"SELECT {Columns} FROM billing_events WHERE customer_id = $customer AND idempotency_key = $key", "$customer", "$key");
        using var reread = Command(connection, transaction, $"SELECT {Columns} FROM billing_events WHERE id = $id", "$id");
        using var insert = Command(connection, transaction, $"""
            INSERT INTO billing_events ({Columns})
            VALUES ($id, $customer, $key, $metric, $quantity, $value, $at, $kind, $target, $task, $agent, $received, NULL)
            ON CONFLICT (customer_id, idempotency_key) DO NOTHING
            """, "$id", "$customer", "$key", "$metric", "$quantity", "$value", "$at", "$kind", "$target", "$task", "$agent", "$received");
        if (prepared)
        {
            lookup.Prepare();
            reread.Prepare();
            insert.Prepare();
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        foreach (var e in batch)
        {
            if (prepared)
            {
                Set(lookup, e.CustomerId, e.IdempotencyKey);
                Drain(lookup);
            }
            else
            {
                using var fresh = Command(connection, transaction, lookup.CommandText, "$customer", "$key");
                Set(fresh, e.CustomerId, e.IdempotencyKey);
                Drain(fresh);
            }

            Set(insert, e.Id, e.CustomerId, e.IdempotencyKey, e.Metric, e.Quantity.ToString(CultureInfo.InvariantCulture),
                e.Value?.ToString(CultureInfo.InvariantCulture), (e.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, "usage", null, null, e.Agent, now);
            insert.ExecuteNonQuery();
            if (!prepared)
            {
                using var fresh = Command(connection, transaction, reread.CommandText, "$id");
                Set(fresh, e.Id);
                Drain(fresh);
            }
            else if (variant == "prepared")
            {
                Set(reread, e.Id);
                Drain(reread);
            }
        }

        transaction.Commit();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void Set(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static void Drain(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                _ = reader.GetValue(i);
            }
        }
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
