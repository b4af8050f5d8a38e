using System.Diagnostics;
using Keel.Billing;
using Keel.Storage;

namespace Keel.Bench.Billing;

/// <summary>What ingesting the stream cost: overall, per batch, and per tenth of the run (does it slow as the ledger grows?).</summary>
internal sealed record IngestResult(long Events, double Seconds, double EventsPerSecond, double BatchP50Ms, double BatchP95Ms, double BatchP99Ms,
    IReadOnlyList<double> RatePerTenth, long Duplicates, double DuplicateEventsPerSecond);

/// <summary>
/// Ingests the stream through the store path the ledger uses for batches (<c>IKeelStore.AddBillableEventsAsync</c>:
/// one transaction per batch, each event looked up by its idempotency key before it is inserted), then submits the
/// first rounds again to check that none counts twice.
/// </summary>
internal static class Ingestion
{
    public static async Task<IngestResult> RunAsync(IKeelStore store, BenchOptions options, Func<EventStream> streams, int customers)
    {
        var stream = streams();
        var perCustomer = options.EventsPerCustomer;
        var total = perCustomer * customers;
        var batch = new List<BillableEvent>(options.Batch);
        var batchMs = new List<double>((int)(total / options.Batch) + 1);
        var tenths = new List<double>();
        long written = 0;
        var nextTenth = total / 10;
        var tenthStart = Stopwatch.GetTimestamp();
        long tenthEvents = 0;
        var start = Stopwatch.GetTimestamp();

        async Task FlushAsync()
        {
            var t0 = Stopwatch.GetTimestamp();
            var writes = await store.AddBillableEventsAsync(batch).ConfigureAwait(false);
            batchMs.Add(Stats.Millis(t0, Stopwatch.GetTimestamp()));
            if (writes.Count != batch.Count || writes.Any(w => !w.Created))
            {
                throw new InvalidOperationException("A new event was not created: the bench's keys must be unique.");
            }

            written += batch.Count;
            tenthEvents += batch.Count;
            batch.Clear();
            if (written >= nextTenth && tenths.Count < 10)
            {
                var now = Stopwatch.GetTimestamp();
                tenths.Add(tenthEvents / Stats.Seconds(tenthStart, now));
                Console.Error.WriteLine($"  {written:N0} events, {tenths[^1]:N0}/s over the last tenth");
                tenthStart = now;
                tenthEvents = 0;
                nextTenth += total / 10;
            }
        }

        for (long r = 0; r < perCustomer; r++)
        {
            for (var c = 0; c < customers; c++)
            {
                batch.Add(stream.Next(c, r));
                if (batch.Count == options.Batch)
                {
                    await FlushAsync().ConfigureAwait(false);
                }
            }
        }

        if (batch.Count > 0)
        {
            await FlushAsync().ConfigureAwait(false);
        }

        var seconds = Stats.Seconds(start, Stopwatch.GetTimestamp());

        // Duplicates: the first rounds again, same keys and payloads (new ids, as a client retry would have): none is created.
        var again = streams();
        var rounds = Math.Max(1, Math.Min(perCustomer, 10_000 / customers));
        long duplicates = 0;
        var dupStart = Stopwatch.GetTimestamp();
        for (long r = 0; r < rounds; r++)
        {
            for (var c = 0; c < customers; c++)
            {
                batch.Add(again.Next(c, r));
                if (batch.Count == options.Batch || (r == rounds - 1 && c == customers - 1))
                {
                    var writes = await store.AddBillableEventsAsync(batch).ConfigureAwait(false);
                    if (writes.Any(w => w.Created))
                    {
                        throw new InvalidOperationException("A resubmitted event was counted again.");
                    }

                    duplicates += batch.Count;
                    batch.Clear();
                }
            }
        }

        var dupSeconds = Stats.Seconds(dupStart, Stopwatch.GetTimestamp());
        return new IngestResult(written, seconds, written / seconds, Stats.Median(batchMs), Stats.Percentile(batchMs, 0.95), Stats.Percentile(batchMs, 0.99),
            tenths, duplicates, duplicates / dupSeconds);
    }
}
