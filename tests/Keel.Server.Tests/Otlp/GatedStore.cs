using System.Reflection;
using Keel.Journal;
using Keel.Storage;

namespace Keel.Server.Tests.Otlp;

/// <summary>
/// A pass-through <see cref="IKeelStore"/> whose first <see cref="IKeelStore.CommitBatchAsync"/> waits for
/// <see cref="Release"/> (after setting <see cref="Entered"/>), so a test can queue requests while a commit runs. It
/// counts batch commits, and fails every batch holding a span of the <see cref="Poison"/> trace.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives its proxy type from this class at run time.
internal class GatedStore : DispatchProxy
#pragma warning restore CA1852
{
    private IKeelStore _inner = null!;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Commits { get; private set; }

    public string? Poison { get; set; }

    public static (IKeelStore Store, GatedStore Gate) Wrap(IKeelStore inner)
    {
        var store = Create<IKeelStore, GatedStore>();
        var gate = (GatedStore)(object)store;
        gate._inner = inner;
        return (store, gate);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IKeelStore.CommitBatchAsync))
        {
            return new ValueTask(CommitAsync((IReadOnlyList<StepCommit>)args![0]!, (CancellationToken)args[1]!));
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private async Task CommitAsync(IReadOnlyList<StepCommit> commits, CancellationToken cancellationToken)
    {
        if (++Commits == 1)
        {
            Entered.SetResult();
            await Release.Task.ConfigureAwait(false);
        }

        if (Poison is { } poison && commits.Any(c => c.Spans.Any(s => s.TraceId == poison)))
        {
            throw new StoreException("This test's store refuses the poisoned trace.");
        }

        await _inner.CommitBatchAsync(commits, cancellationToken).ConfigureAwait(false);
    }
}
