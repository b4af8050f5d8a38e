using Keel.Billing.Invoicing;
using Keel.Billing.Plans;
using Keel.Journal;
using Keel.Oversight;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Keel.Usage;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Billing.Tests;

/// <summary>
/// A real SQLite store in a temporary file and a billing service over it, sharing one fake clock, so task times,
/// outcome times and "now" for finalization are all chosen by the test.
/// </summary>
internal sealed class LedgerTestsHarness : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-billing-tests-").FullName;
    private int _tasks;

    private LedgerTestsHarness(FakeTimeProvider clock) => Clock = clock;

    public FakeTimeProvider Clock { get; }
    public SqliteKeelStore Store { get; private set; } = null!;
    public BillingService Billing { get; private set; } = null!;

    public static async Task<LedgerTestsHarness> CreateAsync(DateTimeOffset now, BillingOptions? options = null)
    {
        var harness = new LedgerTestsHarness(new FakeTimeProvider(now));
        harness.Store = await SqliteKeelStore.OpenAsync(Path.Combine(harness._folder, "keel.db"), new SqliteStoreOptions { TimeProvider = harness.Clock });
        harness.Billing = new BillingService(harness.Store, (options ?? new BillingOptions()) with { TimeProvider = harness.Clock });
        return harness;
    }

    /// <summary>A billed customer on <paramref name="plan"/> from <paramref name="from"/>.</summary>
    public async Task<string> CustomerAsync(string name, Plan plan, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var customer = await Store.EnsureCustomerAsync(name, cancellationToken);
        await Billing.OpenAccountAsync(customer.Id, plan.Currency, cancellationToken);
        await Billing.AddPlanAsync(plan, cancellationToken);
        await Billing.SubscribeAsync(customer.Id, plan.Id, plan.Version, from, cancellationToken);
        return customer.Id;
    }

    /// <summary>
    /// A task created at <paramref name="at"/> that ends at once (succeeded unless told), with its model cost (and
    /// any human cost) recorded as usage at that time.
    /// </summary>
    public async Task<string> TaskAsync(string customerId, string agent, DateTimeOffset at, decimal modelCostUsd = 0m, decimal humanCostUsd = 0m,
        bool succeeded = true, CancellationToken cancellationToken = default)
    {
        var id = $"task_{++_tasks:D3}";
        var task = new AgentTask { Id = id, Agent = agent, CustomerId = customerId, Status = AgentTaskStatus.Running, CreatedAt = at, StartedAt = at };
        await Store.CreateTaskAsync(task, cancellationToken);
        var usage = new List<UsageEvent>();
        if (modelCostUsd > 0)
        {
            usage.Add(Usage(customerId, id, agent, at, UsageKind.Model, modelCostUsd));
        }

        if (humanCostUsd > 0)
        {
            usage.Add(Usage(customerId, id, agent, at, UsageKind.Human, humanCostUsd));
        }

        await Store.CommitStepAsync(new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = id, Seq = 1, Kind = StepKind.Model, Name = "chat gpt-test", Status = StepStatus.Succeeded, Attempts = 1,
                CostUsd = modelCostUsd + humanCostUsd, StartedAt = at, EndedAt = at,
            },
            Usage = usage,
            Task = task with { Status = succeeded ? AgentTaskStatus.Succeeded : AgentTaskStatus.Failed, EndedAt = at },
        }, cancellationToken);
        return id;
    }

    /// <summary>Reports an outcome as of <paramref name="at"/> (the store stamps outcomes with its clock).</summary>
    public async Task OutcomeAsync(string taskId, TaskOutcome outcome, decimal? value, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Clock.SetUtcNow(at);
        await Store.SetOutcomeAsync(taskId, outcome, value, cancellationToken);
    }

    public Task<BillableEventWrite> EventAsync(string customerId, string key, string metric, DateTimeOffset at, decimal quantity = 1m, decimal? value = null,
        string? agent = null, CancellationToken cancellationToken = default) =>
        Billing.RecordEventAsync(new BillableEvent
        {
            Id = "",
            CustomerId = customerId,
            IdempotencyKey = key,
            Metric = metric,
            Quantity = quantity,
            Value = value,
            Timestamp = at,
            Agent = agent,
        }, cancellationToken);

    public Task<BillableEventWrite> VoidAsync(BillableEvent target, CancellationToken cancellationToken) =>
        Billing.RecordEventAsync(new BillableEvent
        {
            Id = "",
            CustomerId = target.CustomerId,
            IdempotencyKey = $"void:{target.IdempotencyKey}",
            Metric = target.Metric,
            Quantity = target.Quantity,
            Value = target.Value,
            Timestamp = Clock.GetUtcNow(),
            Kind = BillableEventKind.Void,
            TargetEventId = target.Id,
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static UsageEvent Usage(string customerId, string taskId, string agent, DateTimeOffset at, UsageKind kind, decimal cost) => new()
    {
        IdempotencyKey = $"{taskId}:{kind}",
        CustomerId = customerId,
        TaskId = taskId,
        StepSeq = 1,
        Kind = kind,
        Resource = kind == UsageKind.Model ? "gpt-test" : "oversight",
        CostUsd = cost,
        CreatedAt = at,
        Agent = agent,
    };
}
