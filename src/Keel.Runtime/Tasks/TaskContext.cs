using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Keel.Budgets;
using Keel.Journal;
using Keel.Tracing;

namespace Keel.Tasks;

/// <summary>
/// What an agent's code runs against. Each model call, tool call and <see cref="StepAsync{T}(string, Func{CancellationToken, Task{T}}, CancellationToken)"/> is a journal
/// step, committed with its spans, context snapshot and priced usage in one transaction. When a task resumes
/// (after a crash, a timer, an approval) its code runs again from the top and every step the journal already
/// holds returns its recorded result instead of running: so the code must take the same steps in the same order.
/// </summary>
public sealed partial class TaskContext
{
    private readonly AgentRuntime _runtime;
    private readonly IReadOnlyDictionary<int, StepRecord> _journal;
    private int _lastSeq;

    internal TaskContext(AgentRuntime runtime, AgentTask task, IReadOnlyList<StepRecord> journal, string? leaseOwner)
    {
        _runtime = runtime;
        Task = task;
        _journal = journal.ToDictionary(s => s.Seq);
        LeaseOwner = leaseOwner;
        (TraceId, RootSpanId) = TraceIds.ForTask(task.Id);
        Scope = new SpanScope(TraceId, RootSpanId, task.Id);
    }

    public AgentTask Task { get; }

    public string TraceId { get; }

    /// <summary>The task's <c>invoke_agent</c> span, parent of every step's span.</summary>
    public string RootSpanId { get; }

    /// <summary>True while the code is still retracing steps the journal holds.</summary>
    public bool IsReplaying => _journal.ContainsKey(_lastSeq + 1);

    internal AgentRuntime Runtime => _runtime;

    internal SpanScope Scope { get; }

    internal string? LeaseOwner { get; }

    internal BudgetSubject Subject => new(Task.CustomerId, SessionId: Task.SessionId, TaskId: Task.Id, Agent: Task.Agent);

    /// <summary>
    /// Runs ordinary code as one journaled step: its result is stored as JSON, and on a resume the stored result is
    /// returned without running <paramref name="run"/> again. Use it for anything whose result must not change
    /// between runs: a clock read, a random draw, a call to a system outside Keel.
    /// </summary>
    /// <remarks>
    /// The result is JSON with web defaults. In the native (trimmed) build of <c>keel</c> only primitive results
    /// serialize this way; pass a source-generated <see cref="JsonTypeInfo{T}"/> to the other overload for your types.
    /// </remarks>
    public Task<T> StepAsync<T>(string name, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken = default) =>
        StepAsync(name, run, (JsonTypeInfo<T>)RuntimeJson.Steps.GetTypeInfo(typeof(T)), cancellationToken);

    /// <summary>Runs ordinary code as one journaled step, its result stored as JSON through <paramref name="typeInfo"/>.</summary>
    public async Task<T> StepAsync<T>(string name, Func<CancellationToken, Task<T>> run, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var step = NextStep(StepKind.Step, name);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded
                ? JsonSerializer.Deserialize(recorded.Result ?? "null", typeInfo)!
                : throw new StepFailedException(Task.Id, recorded);
        }

        var start = _runtime.Time.GetUtcNow();
        T value;
        try
        {
            value = await run(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not TaskSuspendedException)
        {
            await CommitAsync(PlainStep(step.Seq, StepKind.Step, name, start, result: null, ex)).ConfigureAwait(false);
            throw;
        }

        await CommitAsync(PlainStep(step.Seq, StepKind.Step, name, start, JsonSerializer.Serialize(value, typeInfo), null)).ConfigureAwait(false);
        return value;
    }

    /// <summary>
    /// Takes the next step number and, when the journal already holds that step, returns its record. A step whose
    /// kind or name differs from the record means the code no longer matches its journal.
    /// </summary>
    /// <exception cref="NonDeterminismException">The code took a different step than the one recorded.</exception>
    internal JournalSlot NextStep(StepKind kind, string name, string? alternateName = null)
    {
        var seq = Interlocked.Increment(ref _lastSeq);
        if (!_journal.TryGetValue(seq, out var recorded))
        {
            return new JournalSlot(seq, null);
        }

        if (recorded.Kind != kind || (recorded.Name != name && recorded.Name != alternateName))
        {
            throw new NonDeterminismException(Task.Id, seq, recorded.Kind, recorded.Name, kind, name);
        }

        return new JournalSlot(seq, recorded);
    }

    /// <summary>A step record with a span of its own, for steps that are neither model nor tool calls.</summary>
    internal StepCommit PlainStep(int seq, StepKind kind, string name, DateTimeOffset start, string? result, Exception? error)
    {
        var end = _runtime.Time.GetUtcNow();
        return new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = Task.Id, Seq = seq, Kind = kind, Name = name, Status = error is null ? StepStatus.Succeeded : StepStatus.Failed,
                Result = result, Error = error?.Message, StartedAt = start, EndedAt = end,
            },
            Spans = [StepTracing.PlainSpan(Scope, seq, kind, name, start, end, error)],
        };
    }

    // Committing is not cancellable: a step that ran must reach the journal even as its task is being cancelled.
    internal ValueTask CommitAsync(StepCommit commit) =>
        _runtime.Store.CommitStepAsync(LeaseOwner is null ? commit : commit with { LeaseOwner = LeaseOwner }, CancellationToken.None);
}

/// <summary>A step's number, and its record when the journal already holds it.</summary>
internal readonly record struct JournalSlot(int Seq, StepRecord? Recorded);
