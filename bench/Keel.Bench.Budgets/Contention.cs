using System.Diagnostics;
using Keel.Budgets;

namespace Keel.Bench.Budgets;

/// <summary>
/// (a) Reservations per second on ONE budget under contention: N threads each reserve and settle in a loop for a
/// fixed time; every reservation takes the ledger's single lock, so this is the ceiling of admissions per second
/// for calls that share a budget (one customer, say).
/// </summary>
internal static class Contention
{
    public static async Task<IReadOnlyList<(int Threads, double[] Reps)>> RunAsync(int[] threadCounts, TimeSpan duration, int reps)
    {
        await using var bench = await BenchStore.CreateAsync();
        await bench.AddBudgetAsync(BudgetScope.Customer, bench.CustomerId);
        using var ledger = new BudgetLedger(bench.Store);
        var subject = new BudgetSubject(bench.CustomerId);
        await ledger.ReloadAsync();
        Loop(ledger, subject, 1, TimeSpan.FromSeconds(1)); // warm-up: JIT, tiering

        var results = new List<(int, double[])>();
        foreach (var threads in threadCounts)
        {
            var perRep = new double[reps];
            for (var rep = 0; rep < reps; rep++)
            {
                perRep[rep] = Loop(ledger, subject, threads, duration);
                Console.Error.WriteLine($"  contention: {threads} thread(s), rep {rep + 1}: {perRep[rep]:N0} reservations/s");
            }

            results.Add((threads, perRep));
        }

        var status = (await ledger.StatusAsync()).Single();
        if (status.ReservedUsd != 0)
        {
            throw new InvalidOperationException($"{status.ReservedUsd} still reserved after the run.");
        }

        return results;
    }

    /// <returns>Reserve+settle pairs per second, all threads together.</returns>
    private static double Loop(BudgetLedger ledger, BudgetSubject subject, int threads, TimeSpan duration)
    {
        var stop = 0;
        var counts = new long[threads];
        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            long n = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                var pending = ledger.ReserveAsync(subject, 0.000002m);
                var reservation = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
                reservation.Settle(0.000001m);
                n++;
            }

            counts[i] = n;
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        var began = Stopwatch.GetTimestamp();
        Thread.Sleep(duration); // the measurement window, not synchronisation
        Volatile.Write(ref stop, 1);
        workers.ForEach(w => w.Join());
        var seconds = Stopwatch.GetElapsedTime(began).TotalSeconds;
        return counts.Sum() / seconds;
    }
}
