using Keel.Journal;
using Keel.Oversight;
using Keel.Tasks;
using Keel.Usage;
using Xunit;

namespace Keel.Storage.Conformance;

/// <summary>
/// Cost reports against a model of what they mean, computed from the usage the test wrote: sums per group, distinct
/// tasks, distinct successful tasks, human seconds; most expensive first (days in any order). A store may answer from
/// rollups, so the usage spans several UTC days, arrives out of time order, and the reports start on day boundaries,
/// within days, and never.
/// </summary>
public abstract partial class StoreConformanceTests
{
    private static readonly DateTimeOffset CostDay = new(2025, 6, 2, 0, 0, 0, TimeSpan.Zero);

    private static readonly CostGrouping[] Groupings = [CostGrouping.Day, CostGrouping.Customer, CostGrouping.Agent, CostGrouping.Model, CostGrouping.Task, CostGrouping.All];

    private static readonly DateTimeOffset[] Sinces =
    [
        DateTimeOffset.MinValue,
        CostDay.AddDays(1),                // a day boundary
        CostDay.AddDays(1).AddHours(13.5), // within a day: its first hours are not in the report
        CostDay.AddDays(3).AddMinutes(1),
        CostDay.AddDays(9),                // after everything
    ];

    [Fact]
    public async Task CostReportAsync_EqualsTheUsageItSums_AfterInsertsOutcomesAndForks()
    {
        var costs = await CostModel.CreateAsync(Store, Ct);
        var random = new Random(7);
        for (var i = 0; i < 120; i++)
        {
            await costs.AddUsageAsync(random, Ct);
        }

        await costs.SetOutcomeAsync(0, TaskOutcome.Success, Ct);
        await costs.SetOutcomeAsync(1, TaskOutcome.Success, Ct);
        await costs.SetOutcomeAsync(2, TaskOutcome.Failure, Ct);
        await costs.SetOutcomeAsync(3, TaskOutcome.Success, Ct);
        await costs.SetOutcomeAsync(3, TaskOutcome.Failure, Ct);
        await AssertCostReportsAsync(costs);

        // More usage, some of it earlier than what the tasks already had; a success set before more usage; a fork.
        await costs.SetOutcomeAsync(4, TaskOutcome.Success, Ct);
        for (var i = 0; i < 60; i++)
        {
            await costs.AddUsageAsync(random, Ct);
        }

        await costs.ForkAsync(1, random, Ct);
        await costs.SetOutcomeAsync(2, TaskOutcome.Success, Ct);
        await AssertCostReportsAsync(costs);
    }

    [Fact]
    public async Task CostReportAsync_TaskWithUsageUnderTwoCustomers_CountsItOnceOverAll()
    {
        var costs = await CostModel.CreateAsync(Store, Ct);
        var random = new Random(11);
        for (var i = 0; i < 30; i++)
        {
            await costs.AddUsageAsync(random, Ct);
        }

        await costs.AddUsageAsync(random, Ct, otherCustomer: true);
        await costs.SetOutcomeAsync(0, TaskOutcome.Success, Ct);

        await AssertCostReportsAsync(costs);
    }

    [Fact]
    public async Task CostReportAsync_BatchWithARefusedCommit_LeavesItsUsageOut()
    {
        var costs = await CostModel.CreateAsync(Store, Ct);
        var random = new Random(13);
        for (var i = 0; i < 30; i++)
        {
            await costs.AddUsageAsync(random, Ct);
        }

        // Tasks created in the batch; the refused commit's usage was written before its step failed, then rolled back.
        await costs.AddBatchAsync(random, 16, Ct, refusedAt: 6);
        await costs.SetOutcomeAsync(0, TaskOutcome.Success, Ct);
        await AssertCostReportsAsync(costs);

        await costs.AddBatchAsync(random, 16, Ct, refusedAt: 0);
        await AssertCostReportsAsync(costs);
    }

    [Fact]
    public async Task CostReportAsync_DuplicateUsageInOneBatch_CountsItOnce()
    {
        var costs = await CostModel.CreateAsync(Store, Ct);
        var random = new Random(17);
        for (var i = 0; i < 30; i++)
        {
            await costs.AddUsageAsync(random, Ct);
        }

        await costs.AddBatchAsync(random, 16, Ct, duplicates: true);
        await costs.SetOutcomeAsync(1, TaskOutcome.Success, Ct);
        await AssertCostReportsAsync(costs);
    }

    private async Task AssertCostReportsAsync(CostModel costs)
    {
        foreach (var customer in new[] { null, costs.Acme.Id, costs.Globex.Id })
        {
            foreach (var since in Sinces)
            {
                foreach (var grouping in Groupings)
                {
                    var expected = costs.Report(grouping, since, customer);
                    var actual = await Store.CostReportAsync(grouping, since, customer, Ct);
                    var context = $"by {grouping} since {since:O} for {customer ?? "everyone"}";
                    Assert.True(expected.SequenceEqual(actual), $"{context}:\nexpected {string.Join("\n  ", expected)}\nactual   {string.Join("\n  ", actual)}");
                }
            }
        }
    }

    /// <summary>Writes usage through the store and keeps its own copy, to say what every report must be.</summary>
    private sealed class CostModel
    {
        private readonly IKeelStore _store;
        private readonly List<AgentTask> _tasks = [];
        private readonly Dictionary<string, int> _nextSeq = [];
        private readonly Dictionary<string, TaskOutcome> _outcomes = [];
        private readonly List<UsageEvent> _usage = [];

        private CostModel(IKeelStore store, Customers.Customer acme, Customers.Customer globex) => (_store, Acme, Globex) = (store, acme, globex);

        public Customers.Customer Acme { get; }

        public Customers.Customer Globex { get; }

        public static async Task<CostModel> CreateAsync(IKeelStore store, CancellationToken cancellationToken)
        {
            var model = new CostModel(store, await store.EnsureCustomerAsync("acme", cancellationToken), await store.EnsureCustomerAsync("globex", cancellationToken));
            string[] agents = ["researcher", "writer", "triage"];
            for (var i = 0; i < 10; i++)
            {
                var task = StoreSamples.NewTask(i % 3 == 2 ? model.Globex.Id : model.Acme.Id, agent: agents[i % agents.Length]) with { CreatedAt = CostDay };
                await store.CreateTaskAsync(task, cancellationToken);
                model._tasks.Add(task);
            }

            return model;
        }

        public async Task AddUsageAsync(Random random, CancellationToken cancellationToken, bool otherCustomer = false)
        {
            var task = _tasks[random.Next(_tasks.Count)];
            var (kind, resource) = random.Next(6) switch
            {
                0 or 1 => (UsageKind.Model, "gpt-a"),
                2 => (UsageKind.Model, "claude-b"),
                3 or 4 => (UsageKind.Tool, random.Next(2) == 0 ? "search" : "fetch"),
                _ => (UsageKind.Human, "approval"),
            };
            var customer = otherCustomer ? (task.CustomerId == Acme.Id ? Globex.Id : Acme.Id) : task.CustomerId;
            var usage = NewUsage(task, customer, kind, resource, random);
            await _store.CommitStepAsync(new StepCommit { Step = StoreSamples.NewStep(task.Id, usage.StepSeq!.Value, usage.CostUsd), Usage = [usage] }, cancellationToken);
            _usage.Add(usage);
        }

        /// <summary>
        /// Commits usage in one batch, every fifth commit for a task the batch creates. The commit at
        /// <paramref name="refusedAt"/> repeats a step its task already has, so the store refuses it after writing its
        /// usage and leaves it out; with <paramref name="duplicates"/> some usage is sent again under another step (in
        /// the batch, and from before it), which stores it once.
        /// </summary>
        public async Task AddBatchAsync(Random random, int count, CancellationToken cancellationToken, int refusedAt = -1, bool duplicates = false)
        {
            var commits = new List<StepCommit>();
            var kept = new List<UsageEvent>();
            for (var i = 0; i < count; i++)
            {
                if (i == refusedAt)
                {
                    var earlier = _usage[^1];
                    var owner = _tasks.First(t => t.Id == earlier.TaskId);
                    var refused = NewUsage(owner, owner.CustomerId, UsageKind.Model, "gpt-a", random);
                    commits.Add(new StepCommit { Step = StoreSamples.NewStep(owner.Id, earlier.StepSeq!.Value, refused.CostUsd), Usage = [refused] });
                    continue;
                }

                AgentTask? created = null;
                if (i % 5 == 4)
                {
                    created = StoreSamples.NewTask(i % 2 == 0 ? Acme.Id : Globex.Id, agent: "writer") with { CreatedAt = CostDay };
                    _tasks.Add(created);
                }

                var task = created ?? _tasks[random.Next(_tasks.Count)];
                var (kind, resource) = random.Next(3) switch { 0 => (UsageKind.Model, "gpt-a"), 1 => (UsageKind.Tool, "search"), _ => (UsageKind.Human, "approval") };
                var usage = NewUsage(task, task.CustomerId, kind, resource, random);
                commits.Add(new StepCommit { CreateTaskIfMissing = created, Step = StoreSamples.NewStep(task.Id, usage.StepSeq!.Value, usage.CostUsd), Usage = [usage] });
                kept.Add(usage);
                if (duplicates && i % 3 == 0)
                {
                    var again = i == 0 ? _usage[0] : usage;
                    commits.Add(new StepCommit { Step = StoreSamples.NewStep(again.TaskId!, NextSeq(again.TaskId!)), Usage = [again] });
                }
            }

            if (refusedAt >= 0)
            {
                var error = await Assert.ThrowsAsync<AggregateException>(async () => await _store.CommitBatchAsync(commits, cancellationToken));
                Assert.Single(error.InnerExceptions);
            }
            else
            {
                await _store.CommitBatchAsync(commits, cancellationToken);
            }

            _usage.AddRange(kept);
        }

        public async Task SetOutcomeAsync(int task, TaskOutcome outcome, CancellationToken cancellationToken)
        {
            await _store.SetOutcomeAsync(_tasks[task].Id, outcome, value: null, cancellationToken);
            _outcomes[_tasks[task].Id] = outcome;
        }

        /// <summary>A fork of the task that reuses one of its steps, paid for again under the fork (as a store may be given).</summary>
        public async Task ForkAsync(int source, Random random, CancellationToken cancellationToken)
        {
            var fork = _tasks[source] with { Id = KeelIds.NewTaskId(), ForkedFrom = _tasks[source].Id, ForkedAtStep = 1 };
            _tasks.Add(fork);
            var usage = NewUsage(fork, fork.CustomerId, UsageKind.Model, "gpt-a", random);
            await _store.CreateForkAsync(fork, [new StepCommit { Step = StoreSamples.NewStep(fork.Id, usage.StepSeq!.Value, usage.CostUsd), Usage = [usage] }], cancellationToken);
            _usage.Add(usage);
        }

        public List<CostRow> Report(CostGrouping grouping, DateTimeOffset since, string? customerId)
        {
            var agents = _tasks.ToDictionary(t => t.Id, t => t.Agent);
            var names = new Dictionary<string, string> { [Acme.Id] = Acme.Name, [Globex.Id] = Globex.Name };
            var rows = _usage
                .Where(u => u.CreatedAt >= since && (customerId is null || u.CustomerId == customerId))
                .GroupBy(u => grouping switch
                {
                    CostGrouping.Task => u.TaskId!,
                    CostGrouping.Customer => names[u.CustomerId],
                    CostGrouping.Agent => u.Agent ?? agents[u.TaskId!],
                    CostGrouping.Model => u.Kind == UsageKind.Model ? u.Resource : $"({u.Kind.ToString().ToLowerInvariant()})",
                    CostGrouping.Day => u.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    _ => "total",
                }, StringComparer.Ordinal)
                .Select(g => new CostRow(
                    g.Key,
                    g.Where(u => u.Kind == UsageKind.Model).Sum(u => u.CostUsd),
                    g.Where(u => u.Kind == UsageKind.Tool).Sum(u => u.CostUsd),
                    g.Where(u => u.Kind == UsageKind.Human).Sum(u => u.CostUsd),
                    g.Select(u => u.TaskId).Distinct().Count(),
                    g.Select(u => u.TaskId!).Distinct().Count(t => _outcomes.TryGetValue(t, out var outcome) && outcome == TaskOutcome.Success),
                    (double)g.Where(u => u.Kind == UsageKind.Human).Sum(u => u.Quantity)))
                .OrderByDescending(r => r.TotalUsd)
                .ThenBy(r => r.Key, StringComparer.Ordinal)
                .ToList();
            return rows;
        }

        private int NextSeq(string taskId) => _nextSeq[taskId] = _nextSeq.GetValueOrDefault(taskId) + 1;

        private UsageEvent NewUsage(AgentTask task, string customerId, UsageKind kind, string resource, Random random)
        {
            var seq = NextSeq(task.Id);
            return new UsageEvent
            {
                IdempotencyKey = $"{task.Id}:{seq}",
                CustomerId = customerId,
                TaskId = task.Id,
                StepSeq = seq,
                Kind = kind,
                Resource = resource,
                InputTokens = 100,
                OutputTokens = 20,
                // Whole seconds of a person's time: sums of them are exact in any order.
                Quantity = kind == UsageKind.Human ? random.Next(1, 600) : 1,
                CostUsd = random.Next(1, 100_000) / 1_000_000m,
                // Over five UTC days, in no particular order; now and then the usage names an agent itself.
                CreatedAt = CostDay.AddMinutes(random.Next(5 * 24 * 60)).AddMilliseconds(random.Next(1000)),
                Agent = random.Next(6) switch { 0 => task.Agent, 1 => "helper", _ => null },
            };
        }
    }
}
