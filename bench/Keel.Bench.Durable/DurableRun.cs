using System.Diagnostics;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Keel.Workers;

namespace Keel.Bench.Durable;

/// <summary>
/// One rep of one configuration on a fresh store file, in the peers' order: warm-up tasks, a TRUNCATE checkpoint
/// and the file's size, the measured N-step tasks one after another, the checkpoint and size again, then as many
/// empty tasks (to take per-task costs out of the per-step figure).
/// </summary>
internal static class DurableRun
{
    private const string Agent = "steps";
    private const string EmptyAgent = "empty";

    public static async Task<RunResult> RunAsync(BenchOptions options, string mode, string synchronous, string variant, int rep)
    {
        var folder = Path.Combine(options.WorkFolder, $"{mode}-{synchronous.ToLowerInvariant()}-{variant}-rep{rep}");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "keel.db");
        var agent = new StepAgent(Agent, options.Steps, options.PayloadBytes);
        var empty = new StepAgent(EmptyAgent, 0, options.PayloadBytes);
        var store = await StoreLayout.OpenAsync(path, variant, synchronous);
        try
        {
            var customer = (await store.EnsureCustomerAsync("bench")).Id;
            var runtime = new AgentRuntime(store, new ResilientModelCaller(new ModelCatalog([])), new UsageMeter(PriceTable.Default));
            var pool = new TaskWorkerPool(runtime, new AgentRegistry([agent, empty]), new WorkerOptions { Concurrency = 1 });
            Func<StepAgent, int, Task<(double Submit, double Run)>> runTasks = mode switch
            {
                "inline" => (a, n) => InlineAsync(runtime, a, n, customer),
                "pool" => (a, n) => PooledAsync(runtime, pool, a, n, customer),
                _ => throw new ArgumentException($"Unknown mode '{mode}': use inline or pool."),
            };

            using var file = new StoreFile(path);
            await runTasks(agent, options.Warmup);
            await runTasks(empty, options.Warmup);
            var warmBytes = file.CheckpointedBytes();
            var btreesBefore = file.BytesByBtree();
            var overflowBefore = file.OverflowBytesByBtree();

            var checkpointer = variant.Split('+').Contains("bgcheckpoint") ? new BackgroundCheckpointer(path, synchronous) : null;
            agent.Recording = true;
            var cpu0 = Environment.CpuUsage.TotalTime;
            var (gc0, pause0) = (GC.CollectionCount(0), GC.GetTotalPauseDuration());
            var (submit, run) = await runTasks(agent, options.Tasks);
            var cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalMicroseconds;
            var (gcs, gcPause) = (GC.CollectionCount(0) - gc0, (GC.GetTotalPauseDuration() - pause0).TotalMicroseconds);
            agent.Recording = false;
            if (checkpointer is not null)
            {
                await checkpointer.DisposeAsync(); // a TRUNCATE checkpoint needs the file to itself
            }

            var walBytes = file.WalBytes;
            var bytes = file.CheckpointedBytes();
            var btrees = Grown(btreesBefore, file.BytesByBtree());
            var overflow = Grown(overflowBefore, file.OverflowBytesByBtree());
            var rows = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["tasks"] = file.Count("tasks"), ["steps"] = file.Count("steps"), ["spans"] = file.Count("spans"),
            };

            checkpointer = checkpointer is null ? null : new BackgroundCheckpointer(path, synchronous);
            var (emptySubmit, emptyRun) = await runTasks(empty, options.Tasks);
            if (checkpointer is not null)
            {
                await checkpointer.DisposeAsync();
            }

            var steps = options.Tasks * options.Steps;
            var totalMs = (submit + run) / 1000;
            var perTask = (submit + run) / options.Tasks;
            var perEmptyTask = (emptySubmit + emptyRun) / options.Tasks;
            var timings = agent.Timings;
            if (timings.Count != steps)
            {
                throw new InvalidOperationException($"Expected {steps} timed steps, got {timings.Count}.");
            }

            return new RunResult
            {
                Mode = mode, Synchronous = synchronous, Variant = variant, Rep = rep, Tasks = options.Tasks, StepsPerTask = options.Steps, TotalMs = totalMs,
                UsPerStepMean = (submit + run) / steps, UsPerTask = perTask, UsPerEmptyTask = perEmptyTask,
                UsPerStepMarginal = (perTask - perEmptyTask) / options.Steps,
                StepP50 = Stats.Percentile(timings, 0.50), StepP90 = Stats.Percentile(timings, 0.90), StepP99 = Stats.Percentile(timings, 0.99), StepP999 = Stats.Percentile(timings, 0.999),
                StepsOver1Ms = timings.Count(t => t > 1000), UsPerStepInStepsOver1Ms = timings.Where(t => t > 1000).Sum() / steps,
                StepMax = timings.Max(), StepMeanTimed = timings.Average(), CpuUsPerStep = cpu / steps,
                GcCount = gcs, GcPauseUsPerStep = gcPause / steps,
                UsPerSubmit = mode == "pool" ? submit / options.Tasks : null, UsPerClaimAndRun = mode == "pool" ? run / options.Tasks : null,
                FileBytesAfterWarmup = warmBytes, FileBytes = bytes, WalBytesBeforeCheckpoint = walBytes, BytesPerStep = (double)(bytes - warmBytes) / steps,
                BtreeBytesGrown = btrees, OverflowBytesGrown = overflow, Rows = rows,
                JournalMode = file.Pragma("journal_mode"), PageSize = int.Parse(file.Pragma("page_size"), System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        finally
        {
            await store.DisposeAsync();
            if (!options.Keep)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Each task created and run here, one after another (<c>AgentRuntime.RunAsync</c>); all time is "run".</summary>
    private static async Task<(double Submit, double Run)> InlineAsync(AgentRuntime runtime, StepAgent agent, int tasks, string customer)
    {
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < tasks; i++)
        {
            var task = await runtime.RunAsync(agent, "go", customer);
            if (task.Status != AgentTaskStatus.Succeeded)
            {
                throw new InvalidOperationException($"Task {task.Id} ended {task.Status}: {task.Error}");
            }
        }

        return (0, Stats.Micros(t0, Stopwatch.GetTimestamp()));
    }

    /// <summary>All tasks queued, then claimed under a lease and run by a pool of one worker slot until none is left.</summary>
    private static async Task<(double Submit, double Run)> PooledAsync(AgentRuntime runtime, TaskWorkerPool pool, StepAgent agent, int tasks, string customer)
    {
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < tasks; i++)
        {
            await runtime.SubmitAsync(agent.Name, "go", customer);
        }

        var t1 = Stopwatch.GetTimestamp();
        var runs = await pool.DrainAsync();
        var t2 = Stopwatch.GetTimestamp();
        if (runs != tasks)
        {
            throw new InvalidOperationException($"The pool made {runs} runs for {tasks} tasks.");
        }

        return (Stats.Micros(t0, t1), Stats.Micros(t1, t2));
    }

    private static Dictionary<string, long> Grown(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Select(kv => (kv.Key, Grown: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Grown != 0)
            .OrderByDescending(x => x.Grown)
            .ToDictionary(x => x.Key, x => x.Grown, StringComparer.Ordinal);
}
