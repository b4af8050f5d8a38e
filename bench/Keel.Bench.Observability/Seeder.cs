using System.Diagnostics;
using Keel.Journal;
using Keel.Pricing;
using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Observability;

/// <summary>
/// Builds the database the pages are timed on: <see cref="BenchOptions.Tasks"/> tasks over the last 30 days (200
/// customers of very different sizes, six agents, 30 % in sessions; 4 % failed, 1.2 % waiting for an approval, the
/// newest running or queued), committed through <c>CommitBatchAsync</c> as the runtime would have, plus one long task
/// run through the real runtime. The file is kept under <see cref="BenchOptions.Cache"/>, named by its parameters,
/// so later runs only copy it.
/// </summary>
internal static class Seeder
{
    /// <summary>Bump when the seeded data changes shape, so that an old cached file is not reused.</summary>
    private const int Version = 1;

    public const int Customers = 200;
    private const int SessionsPerCustomer = 15;
    private const int TasksPerBatch = 400;

    public sealed record Seeded(string Path, double Seconds, bool Cached, string LongTaskId);

    public static async Task<Seeded> EnsureAsync(BenchOptions options)
    {
        Directory.CreateDirectory(options.Cache);
        var path = System.IO.Path.Combine(options.Cache, $"seed-v{Version}-t{options.Tasks}-s{options.Seed}-l{options.LongSteps}.db");
        var marker = path + ".long-task";
        if (File.Exists(path) && File.Exists(marker))
        {
            return new Seeded(path, 0, true, (await File.ReadAllTextAsync(marker)).Trim());
        }

        var building = path + ".building";
        foreach (var stale in new[] { building, building + "-wal", building + "-shm" })
        {
            File.Delete(stale);
        }

        var started = Stopwatch.GetTimestamp();
        var longTaskId = await BuildAsync(options, building);
        Checkpoint(building);
        File.Move(building, path, overwrite: true);
        await File.WriteAllTextAsync(marker, longTaskId);
        return new Seeded(path, Stats.MsSince(started) / 1000, false, longTaskId);
    }

    private static async Task<string> BuildAsync(BenchOptions options, string path)
    {
        var rng = new Random(options.Seed);
        await using var store = await SqliteKeelStore.OpenAsync(path);
        var customers = new List<string>();
        var sessions = new List<List<string>>();
        for (var i = 0; i < Customers; i++)
        {
            var customer = (await store.EnsureCustomerAsync($"customer-{i:000}")).Id;
            customers.Add(customer);
            var own = new List<string>();
            for (var s = 0; s < SessionsPerCustomer; s++)
            {
                own.Add((await store.EnsureSessionAsync(Keel.Tasks.KeelIds.NewSessionId(), customer)).Id);
            }

            sessions.Add(own);
        }

        var builder = new SeedTask(rng, PriceTable.Default);
        var end = DateTimeOffset.UtcNow.AddMinutes(-5);
        var span = TimeSpan.FromDays(30);
        var batch = new List<StepCommit>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < options.Tasks; i++)
        {
            // Evenly spread over 30 days, a little jitter; a customer drawn with a heavy skew (the first few are big).
            var createdAt = end - span + span * ((i + rng.NextDouble() * 0.9) / options.Tasks);
            var customer = (int)(Customers * Math.Pow(rng.NextDouble(), 2.5));
            var session = rng.Next(100) < 30 ? sessions[customer][rng.Next(SessionsPerCustomer)] : null;
            var shape = builder.Draw(recent: i >= options.Tasks - 1_000);
            batch.AddRange(builder.Build(AgentProfiles.Pick(rng), shape, createdAt, customers[customer], session));
            if ((i + 1) % TasksPerBatch == 0 || i == options.Tasks - 1)
            {
                await store.CommitBatchAsync(batch);
                batch.Clear();
            }

            if ((i + 1) % 10_000 == 0)
            {
                Console.Error.WriteLine($"  seeded {i + 1:N0} tasks ({clock.Elapsed.TotalSeconds:0} s)");
            }
        }

        Console.Error.WriteLine($"  running the {options.LongSteps:N0}-step task through the runtime");
        var longTask = await LoopTasks.RunAsync(store, customers[3], options.LongSteps / 2, failAtEnd: true, seed: options.Seed);
        var steps = await store.GetStepsAsync(longTask.Id);
        if (steps.Count != options.LongSteps || longTask.Status != Keel.Tasks.AgentTaskStatus.Failed)
        {
            throw new InvalidOperationException($"The long task has {steps.Count} steps and ended {longTask.Status}: {longTask.Error}");
        }

        return longTask.Id;
    }

    /// <summary>Folds the WAL into the file, so that the file alone can be copied.</summary>
    public static void Checkpoint(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
    }

    /// <summary>Sets the page cache every connection to the file starts with (SQLite keeps it in the file's header); returns what a new connection reports.</summary>
    public static long SetDefaultCache(string path, int megabytes)
    {
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA default_cache_size = {(long)megabytes * 1024 * 1024 / 8192}";
            command.ExecuteNonQuery();
        }

        return StoreFile.Scalar(path, "PRAGMA cache_size");
    }

    /// <summary>A private copy of the seeded file to measure on (pages and ingestion write to it).</summary>
    public static string Copy(Seeded seeded, string folder)
    {
        Directory.CreateDirectory(folder);
        var copy = System.IO.Path.Combine(folder, "keel.db");
        foreach (var stale in new[] { copy, copy + "-wal", copy + "-shm" })
        {
            File.Delete(stale);
        }

        File.Copy(seeded.Path, copy);
        return copy;
    }
}
