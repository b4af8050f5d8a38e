using Keel.Journal;
using Keel.Tasks;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>OTLP trace links: appended to a log, held in memory, merged into <c>otlp_traces</c> in batches (migration 22).</summary>
public sealed class SqliteTraceLinkTests : IDisposable
{
    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Links_stay_found_before_during_and_after_their_merge_into_the_trace_table()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, new SqliteStoreOptions { TraceLinkMergeLinks = 8 }, Ct);
        var customer = (await store.EnsureCustomerAsync("acme", Ct)).Id;
        var traces = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid().ToString("N")).ToList();

        // 5 links: below the merge size, so all in the log. Then 7 more: the log reaches 12, and is merged.
        var tasks = new Dictionary<string, string>();
        await store.CommitBatchAsync([.. traces.Take(5).Select(t => NewTrace(t, customer, tasks))], Ct);
        Assert.Equal((5L, 0L), Counts());
        await store.CommitBatchAsync([.. traces.Skip(5).Select(t => NewTrace(t, customer, tasks))], Ct);
        Assert.Equal((0L, 12L), Counts());

        var found = await store.GetIngestedTracesAsync(traces, Ct);
        Assert.Equal(tasks.OrderBy(p => p.Key), found.Select(f => KeyValuePair.Create(f.TraceId, f.Task.Id)).OrderBy(p => p.Key));

        // A merged trace cannot be linked twice either.
        var again = await Assert.ThrowsAsync<AggregateException>(async () => await store.CommitBatchAsync([NewTrace(traces[0], customer, [])], Ct));
        Assert.Contains("has a task already", Assert.IsType<SqliteException>(Assert.Single(again.InnerExceptions)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_stores_on_one_file_find_each_others_new_links_and_never_link_a_trace_twice()
    {
        await using var first = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        await using var second = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        var customer = (await first.EnsureCustomerAsync("acme", Ct)).Id;
        var trace = Guid.NewGuid().ToString("N");
        Assert.Empty(await second.GetIngestedTracesAsync([trace], Ct)); // the second has read the log: nothing yet

        var tasks = new Dictionary<string, string>();
        await first.CommitBatchAsync([NewTrace(trace, customer, tasks)], Ct);

        // The second store finds the first's link, which it has not read yet, and refuses a second task for the trace.
        var refused = await Assert.ThrowsAsync<AggregateException>(async () => await second.CommitBatchAsync([NewTrace(trace, customer, [])], Ct));
        Assert.Equal(19, Assert.IsType<SqliteException>(Assert.Single(refused.InnerExceptions)).SqliteErrorCode); // a constraint: the caller re-plans
        Assert.Equal(tasks[trace], Assert.Single(await second.GetIngestedTracesAsync([trace], Ct)).Task.Id);
        Assert.Single(await first.ListTasksAsync(new TaskQuery(), Ct));
    }

    private (long Log, long Merged) Counts()
    {
        using var raw = _database.OpenRaw();
        return (Convert.ToInt64(RawSql.Scalar(raw, "SELECT count(*) FROM otlp_trace_log")), Convert.ToInt64(RawSql.Scalar(raw, "SELECT count(*) FROM otlp_traces")));
    }

    private static StepCommit NewTrace(string traceId, string customer, Dictionary<string, string> tasks)
    {
        var now = DateTimeOffset.UtcNow;
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "otlp", CustomerId = customer, Status = AgentTaskStatus.Succeeded, CreatedAt = now, StartedAt = now, EndedAt = now };
        tasks[traceId] = task.Id;
        return new StepCommit
        {
            CreateTaskIfMissing = task,
            IngestedTraceId = traceId,
            Spans = [new Tracing.SpanRecord { TraceId = traceId, SpanId = "0102030405060708", TaskId = task.Id, Name = "invoke_agent", StartTime = now, EndTime = now }],
            Ingested = true,
        };
    }

    public void Dispose() => _database.Dispose();
}
