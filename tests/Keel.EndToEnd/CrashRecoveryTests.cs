using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Keel.Samples.SideEffects;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// The durable runtime's headline promise, tested on real processes: a fleet of tasks in a `keel` process that is
/// SIGKILLed again and again still finishes every task, and nothing that committed (a step, its usage, a tool's
/// effect on the world) happens or counts twice. The kill points are drawn from a seed printed in the test output;
/// set <c>KEEL_CRASH_SEED</c> to draw the same ones again.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const string SeedVariable = "KEEL_CRASH_SEED";
    private const int Fleet = 40;
    private const int Kills = 3;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The sample tools that change the world, and so keep an effects ledger keyed by idempotency key.</summary>
    private static readonly HashSet<string> EffectfulTools = ["draft_refund", "web_search"];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_fleet_killed_mid_run_finishes_every_task_and_nothing_committed_runs_or_counts_twice()
    {
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } given ? int.Parse(given, CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        Log($"crash test seed {seed} (rerun with {SeedVariable}={seed})");
        var db = _temp.File("fleet.db");
        var sideEffects = _temp.File("side-effects.log");
        var fleet = new FleetDb(db);

        // Budgets on both demo customers, high enough never to refuse: what they report spent is checked at the end.
        foreach (var customer in new[] { "acme", "globex" })
        {
            var set = await RunKeelAsync(sideEffects, "budgets", "set", "--customer", customer, "--limit-usd", "100000", "--db", db);
            Assert.True(set.ExitCode == 0, set.Description);
        }

        // Start the fleet, then kill whatever runs it each time a random number of new steps has committed. Each
        // `keel resume` has to reclaim the dead process's tasks and carry them on from their journals: it runs every
        // task at once, and is killed only once some task the previous kill cut off has committed a new step.
        var killed = new List<int>();
        var orphans = new Dictionary<string, int>(); // tasks the last kill left running: id -> steps journaled then
        for (var kill = 1; kill <= Kills; kill++)
        {
            var killAt = fleet.Progress().Steps + random.Next(25, 60);
            await using var child = StartKeel(sideEffects, kill == 1
                ? ["demo", "--tasks", Fleet.ToString(CultureInfo.InvariantCulture), "--concurrency", "8", "--db", db]
                : ["resume", "--concurrency", Fleet.ToString(CultureInfo.InvariantCulture), "--db", db]);
            await UntilAsync(fleet, child, p => p.Steps >= killAt && p.Finished > 0 && (orphans.Count == 0 || Resumed(fleet, orphans) > 0),
                $"kill {kill}: {killAt} steps committed, some task finished, some task of the last kill resumed (seed {seed})");
            await child.KillAsync(PhaseTimeout);
            killed.Add(child.Id);

            var after = fleet.Progress();
            var resumed = Resumed(fleet, orphans);
            Log($"kill {kill}: SIGKILL pid {child.Id} at {after.Steps} steps committed (drawn: {killAt}), {after.Finished}/{after.Tasks} tasks finished, " +
                $"{after.Running} running; {resumed} of the {orphans.Count} tasks the last kill cut off had carried on");
            Assert.True(after.Tasks == Fleet, $"seed {seed}, kill {kill}: {after.Tasks} tasks queued, expected {Fleet}.");
            Assert.True(after.Finished is > 0 and < Fleet && after.Running > 0,
                $"seed {seed}, kill {kill} did not land mid-run: {after}.\n{child.Describe()}");
            orphans = fleet.Journals().Where(j => j.Value.Status == "running").ToDictionary(j => j.Key, j => j.Value.Steps);
        }

        // The last resume runs to the end.
        var final = await RunKeelAsync(sideEffects, "resume", "--concurrency", Fleet.ToString(CultureInfo.InvariantCulture), "--json", "--db", db);
        Assert.True(final.ExitCode == 0, final.Description);
        var summary = final.Json();
        Log($"final resume: {summary.Long("succeeded")} succeeded, {summary.Long("failed")} failed, {summary.Long("steps")} steps");

        var tasks = fleet.Tasks();
        var steps = fleet.Steps();
        var usage = fleet.Usage();
        var lines = SideEffectLine.ReadAll(sideEffects);
        var context = $"seed {seed}, killed pids {string.Join(", ", killed)}";

        EveryTaskFinished(tasks, summary, context);
        JournalsAreWhole(steps, context);
        NoCommittedToolStepRanAgain(steps, lines, killed, context);
        EachEffectAppliedOnce(steps, lines, context);
        EachUsageCountedOnce(tasks, steps, usage, context);
        Assert.True(summary.Decimal("cost_usd") == Usd(usage.Sum(u => u.CostNanoUsd)), $"{context}: the summary's cost is not the sum of usage.\n{final.Description}");
        await BudgetsSpentTheUsageAsync(db, sideEffects, usage, context);
    }

    /// <summary>Every task ended, and the only failures are the sample's deliberate one: a declined payment.</summary>
    private static void EveryTaskFinished(IReadOnlyList<TaskRow> tasks, JsonNode summary, string context)
    {
        Assert.True(tasks.Count == Fleet, $"{context}: {tasks.Count} tasks in the database, expected {Fleet}.");
        Assert.Equal(Fleet, summary.Long("tasks"));
        var unfinished = tasks.Where(t => t.Status is not ("succeeded" or "failed")).ToList();
        Assert.True(unfinished.Count == 0, $"{context}: tasks left unfinished: {string.Join("; ", unfinished)}");
        var crashed = tasks.Where(t => t.Status == "failed" && t.Error?.Contains("PP-4012", StringComparison.Ordinal) != true).ToList();
        Assert.True(crashed.Count == 0, $"{context}: tasks failed for something other than the sample's payment decline: {string.Join("; ", crashed)}");
        Assert.Equal(tasks.Count(t => t.Status == "succeeded"), summary.Long("succeeded"));
    }

    /// <summary>Each task's journal is steps 1..n with no gap: no step was lost or taken out of order across the kills.</summary>
    private static void JournalsAreWhole(IReadOnlyList<StepRow> steps, string context)
    {
        foreach (var journal in steps.GroupBy(s => s.TaskId))
        {
            var seqs = journal.Select(s => s.Seq).Order().ToList();
            Assert.True(seqs.SequenceEqual(Enumerable.Range(1, seqs.Count)), $"{context}: task {journal.Key}'s journal has gaps: {string.Join(",", seqs)}");
        }
    }

    /// <summary>
    /// A tool ran only for a step of its journal, never after that step committed, never twice in one process, and
    /// more than once only when a killed process ran it before the step committed.
    /// </summary>
    private static void NoCommittedToolStepRanAgain(IReadOnlyList<StepRow> steps, IReadOnlyList<SideEffectLine> lines, List<int> killed, string context)
    {
        var toolSteps = steps.Where(s => s.Kind == "tool").ToDictionary(s => s.Key);
        var executions = lines.Where(l => l.Kind == SideEffectLog.Execute).ToLookup(l => l.Key);
        Assert.True(toolSteps.Count > 0, $"{context}: the journal holds no tool steps.");
        foreach (var step in toolSteps.Values)
        {
            Assert.True(executions.Contains(step.Key), $"{context}: tool step {step.Key} ({step.Name}) committed, but the side-effect log has no execution of it.");
        }

        var rerun = 0;
        foreach (var runs in executions)
        {
            Assert.True(toolSteps.TryGetValue(runs.Key, out var step), $"{context}: {runs.First().Tool} ran as {runs.Key}, which the journal has no tool step for.");
            var described = $"{context}: tool step {step.Key} ({step.Name}, committed at {step.EndedAt}) ran at {string.Join(", ", runs.Select(r => $"{r.At} in pid {r.Pid}"))}";
            Assert.True(runs.All(r => r.Tool == step.Name), $"{described}, not always as {step.Name}.");
            Assert.True(runs.All(r => r.At <= step.EndedAt), $"{described}: it ran again after its commit.");
            Assert.True(runs.Select(r => r.Pid).Distinct().Count() == runs.Count(), $"{described}: one process ran it twice.");
            Assert.True(runs.Count(r => !killed.Contains(r.Pid)) <= 1, $"{described}: it ran in more than one process that was not killed.");
            rerun += runs.Count() > 1 ? 1 : 0;
        }

        Log($"{toolSteps.Count} tool steps; {rerun} ran again after a kill cut them off before their commit");
    }

    /// <summary>The effects ledger holds each effectful call once, and exactly the calls whose steps succeeded.</summary>
    private static void EachEffectAppliedOnce(IReadOnlyList<StepRow> steps, IReadOnlyList<SideEffectLine> lines, string context)
    {
        var effects = lines.Where(l => l.Kind == SideEffectLog.Effect).ToList();
        var twice = effects.GroupBy(e => e.Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{context}: effects applied more than once: {string.Join(", ", twice)}");

        var expected = steps.Where(s => s.Kind == "tool" && s.Status == "succeeded" && EffectfulTools.Contains(s.Name)).Select(s => $"{s.Key} {s.Name}").Order().ToList();
        Assert.True(EffectfulTools.All(tool => expected.Any(e => e.EndsWith(tool, StringComparison.Ordinal))), $"{context}: the fleet never succeeded at each of {string.Join(", ", EffectfulTools)}.");
        Assert.Equal(expected, effects.Select(e => $"{e.Key} {e.Tool}").Order().ToList());
    }

    /// <summary>
    /// Usage events are one per journaled step, of the step's kind; every succeeded model call and paid tool call has
    /// its event; and each task's cost is the sum of its events.
    /// </summary>
    private static void EachUsageCountedOnce(IReadOnlyList<TaskRow> tasks, IReadOnlyList<StepRow> steps, IReadOnlyList<UsageRow> usage, string context)
    {
        var journal = steps.ToDictionary(s => (s.TaskId, s.Seq));
        var byStep = usage.GroupBy(u => (u.TaskId, u.StepSeq)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (at, events) in byStep)
        {
            Assert.True(events.Count == 1, $"{context}: step {at} has {events.Count} usage events: {string.Join(", ", events.Select(e => e.IdempotencyKey))}");
            Assert.True(journal.TryGetValue(at, out var step), $"{context}: usage event {events[0].IdempotencyKey} belongs to no journaled step.");
            var expectedKind = step.Kind switch { "model" => "model", "tool" => "tool", "approval" => "human", _ => "none" };
            Assert.True(events[0].Kind == expectedKind, $"{context}: usage event {events[0].IdempotencyKey} ({events[0].Kind}) belongs to a {step.Kind} step.");
        }

        var unbilled = steps.Where(s => ((s.Kind == "model" && s.Status == "succeeded") || s.CostNanoUsd > 0) && !byStep.ContainsKey((s.TaskId, s.Seq))).ToList();
        Assert.True(unbilled.Count == 0, $"{context}: steps with no usage event: {string.Join("; ", unbilled)}");
        Assert.True(usage.Any(u => u.Kind == "model") && usage.Any(u => u.Kind == "tool"), $"{context}: the fleet recorded no model or no tool usage.");

        var costs = usage.GroupBy(u => u.TaskId).ToDictionary(g => g.Key, g => g.Sum(u => u.CostNanoUsd));
        var off = tasks.Where(t => t.CostNanoUsd != costs.GetValueOrDefault(t.Id)).ToList();
        Assert.True(off.Count == 0, $"{context}: task costs that are not the sum of their usage: {string.Join("; ", off.Select(t => $"{t.Id} {t.CostNanoUsd} vs {costs.GetValueOrDefault(t.Id)}"))}");
        Log($"{usage.Count} usage events, {Usd(usage.Sum(u => u.CostNanoUsd))} USD");
    }

    /// <summary>What `keel budgets` reports spent, per customer, is the sum of that customer's usage events.</summary>
    private static async Task BudgetsSpentTheUsageAsync(string db, string sideEffects, IReadOnlyList<UsageRow> usage, string context)
    {
        var listed = await RunKeelAsync(sideEffects, "budgets", "--json", "--db", db);
        Assert.True(listed.ExitCode == 0, listed.Description);
        var budgets = listed.Json().AsArray();
        Assert.Equal(2, budgets.Count);
        foreach (var budget in budgets.Select(b => b!))
        {
            var customer = budget.Str("customer_id");
            var used = Usd(usage.Where(u => u.CustomerId == customer).Sum(u => u.CostNanoUsd));
            Assert.True(used > 0, $"{context}: customer {customer} used nothing.");
            Assert.True(budget.Decimal("spent_usd") == used, $"{context}: budget {budget.Str("id")} of {customer} spent {budget.Decimal("spent_usd")}, its usage sums to {used}.");
        }
    }

    private static ChildProcess StartKeel(string sideEffects, params string[] arguments) =>
        ChildProcess.Start(Programs.KeelFileName, Programs.KeelArguments(arguments), environment: new Dictionary<string, string?> { [SideEffectLog.Variable] = sideEffects });

    private static async Task<ProcessResult> RunKeelAsync(string sideEffects, params string[] arguments)
    {
        await using var process = StartKeel(sideEffects, arguments);
        var exitCode = await process.WaitForExitAsync(PhaseTimeout);
        return new ProcessResult(exitCode, process.Stdout, process.Stderr, process.Describe());
    }

    /// <summary>Polls the database until <paramref name="reached"/> holds; fails if the child exits first or the phase times out.</summary>
    private static async Task UntilAsync(FleetDb fleet, ChildProcess child, Func<FleetProgress, bool> reached, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var progress = fleet.Progress();
            if (reached(progress))
            {
                return;
            }

            Assert.False(child.HasExited, $"Waiting for {what}: the process exited first, at {progress}.\n{child.Describe()}");
            Assert.True(clock.Elapsed < PhaseTimeout, $"Waiting for {what}: not reached within {PhaseTimeout.TotalSeconds} s, at {progress}.\n{child.Describe()}");
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>How many of <paramref name="orphans"/> have journaled a step since they were cut off.</summary>
    private static int Resumed(FleetDb fleet, Dictionary<string, int> orphans)
    {
        var journals = fleet.Journals();
        return orphans.Count(o => journals[o.Key].Steps > o.Value);
    }

    private static decimal Usd(long nanoUsd) => nanoUsd / 1_000_000_000m;

    private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
}
