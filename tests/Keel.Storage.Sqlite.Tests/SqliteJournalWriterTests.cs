using Keel.Context;
using Keel.Journal;
using Keel.Storage.Sqlite.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>The journal's raw prepared statements: errors, values and deferred totals as ADO.NET had them.</summary>
public sealed class SqliteJournalWriterTests : IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private SqliteKeelStore _store = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task A_constraint_violation_surfaces_as_SqliteException_with_SQLites_codes()
    {
        var (customer, task) = await NewTaskAsync();
        await _store.CommitStepAsync(Step(customer, task, 1), Ct);

        var error = await Assert.ThrowsAsync<SqliteException>(async () => await _store.CommitStepAsync(Step(customer, task, 1) with { Usage = [] }, Ct));

        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT, what callers catch
        Assert.Equal(1555, error.SqliteExtendedErrorCode); // SQLITE_CONSTRAINT_PRIMARYKEY: steps (task_id, seq)
        Assert.Contains("steps.task_id, steps.seq", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await _store.GetTaskSummaryAsync(task.Id, Ct))!.Steps); // the statement was reset: the writer goes on
        await _store.CommitStepAsync(Step(customer, task, 2), Ct);
        Assert.Equal(2, (await _store.GetTaskSummaryAsync(task.Id, Ct))!.Steps);
    }

    [Fact]
    public async Task Every_created_task_enters_the_billing_change_feed_once_and_a_task_that_exists_already_adds_nothing()
    {
        var (customer, created) = await NewTaskAsync();
        var opened = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "gateway", CustomerId = customer, Status = AgentTaskStatus.Succeeded, CreatedAt = Epoch, EndedAt = Epoch };
        var openedInCommit = Step(customer, opened, 1) with { CreateTaskIfMissing = opened, Task = opened };
        await _store.CommitStepAsync(openedInCommit, Ct);
        await _store.CommitStepAsync(Step(customer, opened, 2) with { CreateTaskIfMissing = opened }, Ct); // found: no second row

        using var raw = _database.OpenRaw();
        Assert.Equal(1L, RawSql.Scalar(raw, $"SELECT count(*) FROM billing_task_changes WHERE task_id = '{created.Id}'"));
        Assert.Equal(1L, RawSql.Scalar(raw, $"SELECT count(*) FROM billing_task_changes WHERE task_id = '{opened.Id}'"));
        Assert.Equal(0L, RawSql.Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'billing_task_created'"));
        var feed = await _store.ReadTaskBillingChangesAsync(0, 10, Ct);
        Assert.Equal([created.Id, opened.Id], feed.Select(c => c.TaskId));
    }

    [Fact]
    public async Task Empty_text_and_empty_blobs_are_stored_empty_and_nulls_null()
    {
        var (customer, task) = await NewTaskAsync();
        var messages = new[] { "{\"role\":\"user\",\"content\":\"hi\"}" };
        var first = ContextSnapshot.FromMessages(messages);
        var same = first with { Id = new string('a', 64), BaseId = first.Id, BaseLength = 1 }; // adds no message: an empty hash list
        await _store.CommitStepAsync(Step(customer, task, 1) with { Snapshots = [first] }, Ct);

        await _store.CommitStepAsync(Step(customer, task, 2) with
        {
            Step = NewStep(task.Id, 2) with { Result = "", Error = null },
            Spans = [NewSpan(task.Id, 2) with { StatusMessage = "", Attributes = new Dictionary<string, object?> { ["note"] = "é ünïcode ✓" } }],
            Snapshots = [same],
        }, Ct);

        using var raw = _database.OpenRaw();
        Assert.Equal("text|0|null", RawSql.Scalar(raw, $"SELECT typeof(result) || '|' || length(result) || '|' || typeof(error) FROM steps WHERE task_id = '{task.Id}' AND seq = 2"));
        Assert.Equal("text|0", RawSql.Scalar(raw, $"SELECT typeof(status_message) || '|' || length(status_message) FROM spans WHERE task_id = '{task.Id}' AND step_seq = 2"));
        Assert.Equal("blob|0", RawSql.Scalar(raw, $"SELECT typeof(hashes) || '|' || length(hashes) FROM context_snapshots WHERE id = '{same.Id}'"));
        var span = Assert.Single(await _store.GetSpansAsync(task.Id, Ct), s => s.StepSeq == 2);
        Assert.Equal("é ünïcode ✓", span.Attributes["note"]);
        Assert.Equal(messages, await _store.GetSnapshotAsync(same.Id, Ct));
    }

    [Fact]
    public void Totals_taken_by_a_task_update_come_back_when_that_commit_is_rolled_back()
    {
        var totals = new PendingTaskTotals();
        totals.Add("a", new StepTotals(1, 1, 0, 0, 100, 20, 5));
        totals.Add("b", new StepTotals(1, 0, 0, 0, 0, 0, 0));
        var mark = totals.Mark;
        totals.Add("a", new StepTotals(1, 1, 2, 1, 10, 2, 7));

        Assert.Equal(new StepTotals(2, 2, 2, 1, 110, 22, 12), totals.Take("a"));
        Assert.DoesNotContain(totals.Due, t => t.Key == "a");
        Assert.Equal(default, totals.Take("a"));

        totals.RollBackTo(mark);

        Assert.Equal(new StepTotals(1, 1, 0, 0, 100, 20, 5), totals.Due.Single(t => t.Key == "a").Value);
        Assert.Equal(new StepTotals(1, 0, 0, 0, 0, 0, 0), totals.Due.Single(t => t.Key == "b").Value);
    }

    private async Task<(string Customer, AgentTask Task)> NewTaskAsync()
    {
        var customer = await _store.EnsureCustomerAsync("acme", Ct);
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "researcher", CustomerId = customer.Id, Status = AgentTaskStatus.Running, CreatedAt = Epoch };
        await _store.CreateTaskAsync(task, Ct);
        return (customer.Id, task);
    }

    private static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    private static StepCommit Step(string customer, AgentTask task, int seq) => new()
    {
        Step = NewStep(task.Id, seq),
        Spans = [NewSpan(task.Id, seq)],
        Usage = [new UsageEvent { IdempotencyKey = $"{task.Id}:{seq}", CustomerId = customer, TaskId = task.Id, StepSeq = seq, Kind = UsageKind.Model, Resource = "gpt-test", CostUsd = 0.001m, CreatedAt = Epoch }],
    };

    private static StepRecord NewStep(string taskId, int seq) => new()
    {
        TaskId = taskId, Seq = seq, Kind = StepKind.Model, Name = "chat gpt-test", Status = StepStatus.Succeeded, Result = "{}",
        StartedAt = Epoch.AddSeconds(seq), EndedAt = Epoch.AddSeconds(seq),
    };

    private static SpanRecord NewSpan(string taskId, int seq) => new()
    {
        TraceId = TraceIds.NewTraceId(), SpanId = TraceIds.NewSpanId(), TaskId = taskId, StepSeq = seq, Name = "chat gpt-test",
        StartTime = Epoch.AddSeconds(seq), EndTime = Epoch.AddSeconds(seq),
    };
}
