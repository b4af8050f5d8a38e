using System.Diagnostics;
using System.Reflection;
using Keel.Storage;

namespace Keel.Bench.Observability;

/// <summary>
/// A pass-through <see cref="IKeelStore"/> that adds up the time spent in its reads and in its commits, so an
/// ingestion's time can be split into the store's part and the rest. The SQLite store does its work
/// synchronously inside each call, so the time of the call is the time of the work. With <see cref="Captured"/> set,
/// commits are kept instead of written.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives its proxy type from this class at run time.
internal class MeteredStore : DispatchProxy
#pragma warning restore CA1852
{
    private IKeelStore _inner = null!;

    public double CommitMs { get; private set; }

    public double ReadMs { get; private set; }

    public int Reads { get; private set; }

    /// <summary>When set, commits are kept here instead of being written (to replay them later, or to time what comes before them).</summary>
    public List<IReadOnlyList<Keel.Journal.StepCommit>>? Captured { get; set; }

    /// <summary>
    /// When set, the store is left out altogether: commits are dropped and every trace reads as new, to time the
    /// ingestor's own work (parsing the spans, planning, building commits).
    /// </summary>
    public bool Detached { get; set; }

    public static (IKeelStore Store, MeteredStore Meter) Wrap(IKeelStore inner)
    {
        var store = Create<IKeelStore, MeteredStore>();
        var meter = (MeteredStore)(object)store;
        meter._inner = inner;
        return (store, meter);
    }

    public void Reset() => (CommitMs, ReadMs, Reads) = (0, 0, 0);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var t0 = Stopwatch.GetTimestamp();
        object? result;
        if (Detached)
        {
            if (targetMethod.Name == nameof(IKeelStore.CommitBatchAsync))
            {
                return ValueTask.CompletedTask;
            }

            if (targetMethod.Name == nameof(IKeelStore.GetIngestedTracesAsync))
            {
                return new ValueTask<IReadOnlyList<IngestedTrace>>(Array.Empty<IngestedTrace>());
            }

            throw new NotSupportedException($"A detached store does not answer {targetMethod.Name}.");
        }

        if (Captured is not null && targetMethod.Name == nameof(IKeelStore.CommitBatchAsync))
        {
            Captured.Add((IReadOnlyList<Keel.Journal.StepCommit>)args![0]!);
            return ValueTask.CompletedTask;
        }

        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        var ms = Stats.MsSince(t0);
        if (targetMethod.Name is nameof(IKeelStore.CommitBatchAsync) or nameof(IKeelStore.CommitStepAsync))
        {
            CommitMs += ms;
        }
        else
        {
            ReadMs += ms;
            Reads++;
        }

        return result;
    }
}
