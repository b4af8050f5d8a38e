using Keel.Journal;
using Keel.ToolState;
using Keel.Tracing;
using Xunit;
using static Keel.Storage.Conformance.StoreSamples;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CompareAndSetToolStateAsync_FromVersionZero_CreatesVersionOne_AndEachWriteAddsOne()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "crm", "tier");
        Assert.Null(await Store.GetToolStateAsync(key, Ct));

        var first = await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 0, "\"silver\""), Ct);
        var second = await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 1, """{"tier":"gold","since":2025}"""), Ct);

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        var stored = await Store.GetToolStateAsync(key, Ct);
        Assert.Equal(second, stored);
        Assert.Equal(key, stored!.Key);
        Assert.Equal("""{"tier":"gold","since":2025}""", stored.Value);
        Assert.Null(stored.TaskId);
        Assert.Null(stored.StepSeq);
    }

    [Theory]
    [InlineData(0)] // must not exist, but does
    [InlineData(1)] // stale: someone wrote version 2 since
    [InlineData(3)] // from the future
    public async Task CompareAndSetToolStateAsync_AtAnotherVersion_ThrowsConflictAndChangesNothing(long expected)
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "crm", "tier");
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 0, "1"), Ct);
        var current = await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 1, "2"), Ct);

        var conflict = await Assert.ThrowsAsync<ToolStateConflictException>(async () =>
            await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, expected, "99"), Ct));

        Assert.Equal(key, conflict.Key);
        Assert.Equal(expected, conflict.ExpectedVersion);
        Assert.Equal(2, conflict.ActualVersion);
        Assert.Equal(current, await Store.GetToolStateAsync(key, Ct));
        Assert.Equal(2, (await Store.GetToolStateHistoryAsync(key, cancellationToken: Ct)).Count);
    }

    [Fact]
    public async Task CompareAndSetToolStateAsync_ExpectingAValueThatDoesNotExist_ThrowsConflictAtVersionZero()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "crm", "tier");

        var conflict = await Assert.ThrowsAsync<ToolStateConflictException>(async () =>
            await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 1, "1"), Ct));

        Assert.Equal(0, conflict.ActualVersion);
        Assert.Null(await Store.GetToolStateAsync(key, Ct));
    }

    [Fact]
    public async Task CompareAndSetToolStateAsync_ValueThatIsNotJson_IsRefused()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "crm", "tier");

        await Assert.ThrowsAnyAsync<Exception>(async () => await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 0, "{not json"), Ct));

        Assert.Null(await Store.GetToolStateAsync(key, Ct));
    }

    [Fact]
    public async Task GetToolStateHistoryAsync_HoldsEveryVersionOnce_NewestFirst()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");
        for (var version = 0; version < 5; version++)
        {
            await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, version, $"{version + 1}"), Ct);
        }

        var history = await Store.GetToolStateHistoryAsync(key, cancellationToken: Ct);
        var newest = await Store.GetToolStateHistoryAsync(key, limit: 2, cancellationToken: Ct);

        Assert.Equal([5L, 4, 3, 2, 1], history.Select(e => e.Version));
        Assert.Equal(["5", "4", "3", "2", "1"], history.Select(e => e.Value));
        Assert.Equal(await Store.GetToolStateAsync(key, Ct), history[0]);
        Assert.Equal([5L, 4], newest.Select(e => e.Version));
        Assert.Empty(await Store.GetToolStateHistoryAsync(ToolStateKey.ForCustomer(customer.Id, "counter", "other"), cancellationToken: Ct));
    }

    [Fact]
    public async Task ToolState_ScopesToolsAndKeys_AreSeparateValues()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var id = customer.Id; // the same id as customer, session and task scope id: only the scope tells them apart
        ToolStateKey[] keys =
        [
            ToolStateKey.ForCustomer(id, "crm", "k"),
            ToolStateKey.ForSession(id, id, "crm", "k"),
            ToolStateKey.ForTask(id, id, "crm", "k"),
            ToolStateKey.ForCustomer(id, "billing", "k"),
            ToolStateKey.ForCustomer(id, "crm", "other"),
        ];

        for (var i = 0; i < keys.Length; i++)
        {
            var written = await Store.CompareAndSetToolStateAsync(new ToolStateWrite(keys[i], 0, $"{i}"), Ct);
            Assert.Equal(1, written.Version);
        }

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal($"{i}", (await Store.GetToolStateAsync(keys[i], Ct))!.Value);
            Assert.Single(await Store.GetToolStateHistoryAsync(keys[i], cancellationToken: Ct));
        }
    }

    [Fact]
    public async Task ToolState_TwoCustomersWithTheSameScopeId_NeverSeeEachOthersValues()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        const string sharedId = "s_same_for_both";
        var acmeKey = ToolStateKey.ForSession(acme.Id, sharedId, "cart", "items");
        var globexKey = ToolStateKey.ForSession(globex.Id, sharedId, "cart", "items");

        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(acmeKey, 0, """["anvil"]"""), Ct);
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(globexKey, 0, """["hammock"]"""), Ct); // version 0: acme's value is not globex's
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(ToolStateKey.ForTask(globex.Id, sharedId, "cart", "items"), 0, "[]"), Ct);

        Assert.Equal("""["anvil"]""", (await Store.GetToolStateAsync(acmeKey, Ct))!.Value);
        Assert.Equal("""["hammock"]""", (await Store.GetToolStateAsync(globexKey, Ct))!.Value);
        Assert.Equal(["""["anvil"]"""], (await Store.GetToolStateHistoryAsync(acmeKey, cancellationToken: Ct)).Select(e => e.Value));
        var listed = Assert.Single(await Store.ListToolStateAsync(acme.Id, ToolStateScope.Session, sharedId, cancellationToken: Ct));
        Assert.Equal(acmeKey, listed.Key);
        Assert.Empty(await Store.ListToolStateAsync(acme.Id, ToolStateScope.Task, sharedId, cancellationToken: Ct));
    }

    [Fact]
    public async Task ListToolStateAsync_ReturnsAScopesCurrentValues_ByToolThenKey()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var session = await Store.CreateSessionAsync(customer.Id, Ct);
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(ToolStateKey.ForSession(customer.Id, session.Id, "search", "b"), 0, "1"), Ct);
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(ToolStateKey.ForSession(customer.Id, session.Id, "search", "b"), 1, "2"), Ct);
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(ToolStateKey.ForSession(customer.Id, session.Id, "search", "a"), 0, "3"), Ct);
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(ToolStateKey.ForSession(customer.Id, session.Id, "cart", "z"), 0, "4"), Ct);
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(ToolStateKey.ForCustomer(customer.Id, "search", "a"), 0, "5"), Ct);

        var all = await Store.ListToolStateAsync(customer.Id, ToolStateScope.Session, session.Id, cancellationToken: Ct);
        var search = await Store.ListToolStateAsync(customer.Id, ToolStateScope.Session, session.Id, "search", cancellationToken: Ct);

        Assert.Equal(["cart/z", "search/a", "search/b"], all.Select(e => $"{e.Key.Tool}/{e.Key.Key}"));
        Assert.Equal(["4", "3", "2"], all.Select(e => e.Value));
        Assert.Equal(["a", "b"], search.Select(e => e.Key.Key));
        Assert.Single(await Store.ListToolStateAsync(customer.Id, ToolStateScope.Session, session.Id, limit: 1, cancellationToken: Ct));
    }

    [Fact]
    public async Task CommitStepAsync_WithAStateWrite_StoresTheWriteWithItsStep()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var key = ToolStateKey.ForTask(customer.Id, task.Id, "planner", "progress");

        await Store.CommitStepAsync(StateStep(task.Id, 1) with { StateWrite = new ToolStateWrite(key, 0, """{"done":1}""") }, Ct);

        var entry = await Store.GetToolStateAsync(key, Ct);
        Assert.NotNull(entry);
        Assert.Equal(1, entry.Version);
        Assert.Equal(task.Id, entry.TaskId);
        Assert.Equal(1, entry.StepSeq);
        Assert.Equal(NewStep(task.Id, 1).EndedAt, entry.UpdatedAt);
        Assert.Equal([1], (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
    }

    [Fact]
    public async Task CommitStepAsync_WithAConflictingStateWrite_StoresNothingOfTheCommit()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");
        var current = await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 0, "1"), Ct);
        var statsBefore = await Store.GetStatsAsync(Ct);
        var traceId = TraceIds.NewTraceId();
        var stale = ModelStep(customer.Id, task.Id, 1, 0.5m, traceId) with { StateWrite = new ToolStateWrite(key, 0, "2") };

        var conflict = await Assert.ThrowsAsync<ToolStateConflictException>(async () => await Store.CommitStepAsync(stale, Ct));

        Assert.Equal(1, conflict.ActualVersion);
        Assert.Empty(await Store.GetStepsAsync(task.Id, Ct));
        Assert.Empty(await Store.GetSpansAsync(task.Id, Ct));
        Assert.Empty(await Store.GetUsageAsync(task.Id, Ct));
        Assert.Equal(statsBefore, await Store.GetStatsAsync(Ct));
        Assert.Equal(current, await Store.GetToolStateAsync(key, Ct));

        await Store.CommitStepAsync(stale with { StateWrite = new ToolStateWrite(key, 1, "2") }, Ct); // the retry, at the right version

        Assert.Equal("2", (await Store.GetToolStateAsync(key, Ct))!.Value);
        Assert.Equal(0.5m, (await Store.GetTaskSummaryAsync(task.Id, Ct))!.CostUsd);
    }

    [Fact]
    public async Task CommitStepAsync_FailingForAnotherReason_DoesNotApplyItsStateWrite()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");
        var traceId = TraceIds.NewTraceId();
        var spanId = TraceIds.NewSpanId();
        var broken = StateStep(task.Id, 1) with
        {
            Spans = [NewSpan(task.Id, 1, traceId, spanId), NewSpan(task.Id, 1, traceId, spanId)], // the second span fails after the write
            StateWrite = new ToolStateWrite(key, 0, "1"),
        };

        await Assert.ThrowsAnyAsync<Exception>(async () => await Store.CommitStepAsync(broken, Ct));

        Assert.Null(await Store.GetToolStateAsync(key, Ct));
        Assert.Empty(await Store.GetToolStateHistoryAsync(key, cancellationToken: Ct));
        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 0, "1"), Ct); // version 0 is still free
    }

    [Fact]
    public async Task CommitStepAsync_StateWriteWithoutAStep_IsRefused()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.CommitStepAsync(new StepCommit { StateWrite = new ToolStateWrite(key, 0, "1") }, Ct));

        Assert.Null(await Store.GetToolStateAsync(key, Ct));
    }

    [Fact]
    public async Task CommitBatchAsync_LeavesOutAConflictingStateWrite_AndAppliesTheRestInOrder()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");

        var error = await Assert.ThrowsAsync<AggregateException>(async () => await Store.CommitBatchAsync(
        [
            StateStep(task.Id, 1) with { StateWrite = new ToolStateWrite(key, 0, "1") },
            StateStep(task.Id, 2) with { StateWrite = new ToolStateWrite(key, 0, "lost") }, // sees the batch's own first write
            StateStep(task.Id, 3) with { StateWrite = new ToolStateWrite(key, 1, "2") },
        ], Ct));

        Assert.IsType<ToolStateConflictException>(Assert.Single(error.InnerExceptions));
        Assert.Equal([1, 3], (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
        Assert.Equal([2L, 1], (await Store.GetToolStateHistoryAsync(key, cancellationToken: Ct)).Select(e => e.Version));
        Assert.Equal(["2", "1"], (await Store.GetToolStateHistoryAsync(key, cancellationToken: Ct)).Select(e => e.Value));
        Assert.Equal(3, (await Store.GetToolStateAsync(key, Ct))!.StepSeq);
    }

    [Fact]
    public async Task CompareAndSetToolStateAsync_ConcurrentWritersRetryingOnConflict_LoseNoUpdate()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");
        const int writers = 8;
        const int increments = 10;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < increments; i++)
            {
                while (true)
                {
                    var current = await Store.GetToolStateAsync(key, Ct);
                    var count = current is null ? 0 : long.Parse(current.Value, System.Globalization.CultureInfo.InvariantCulture);
                    try
                    {
                        await Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, current?.Version ?? 0, $"{count + 1}"), Ct);
                        break;
                    }
                    catch (ToolStateConflictException)
                    {
                        // another writer got there first: read its version and try again
                    }
                }
            }
        }, Ct)));

        var final = await Store.GetToolStateAsync(key, Ct);
        Assert.Equal($"{writers * increments}", final!.Value);
        Assert.Equal(writers * increments, final.Version);
        var history = await Store.GetToolStateHistoryAsync(key, limit: 1000, cancellationToken: Ct);
        Assert.Equal(Enumerable.Range(1, writers * increments).Reverse().Select(v => (long)v), history.Select(e => e.Version));
        Assert.All(history, e => Assert.Equal($"{e.Version}", e.Value));
    }

    /// <summary>A tool state step of a task: its journal entry and span, ready for a write to ride on.</summary>
    private static StepCommit StateStep(string taskId, int seq) => new()
    {
        Step = NewStep(taskId, seq, kind: StepKind.State),
        Spans = [NewSpan(taskId, seq, TraceIds.NewTraceId())],
    };
}
