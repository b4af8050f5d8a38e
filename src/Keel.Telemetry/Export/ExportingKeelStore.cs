using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Keel.Journal;
using Keel.Storage;

namespace Keel.Telemetry.Export;

/// <summary>
/// A store that hands the spans of every commit that succeeded to an <see cref="OtlpSpanExporter"/>: the one point
/// every recorded span passes (SDK steps through <c>TaskContext</c>, the gateway's batches through its step writer,
/// forks, task endings), so nothing has to remember to export. Everything else goes straight to the inner store.
/// </summary>
/// <remarks>
/// A <see cref="DispatchProxy"/> rather than a hand-written decorator: <see cref="IKeelStore"/> grows with every
/// feature, and a proxy forwards the members it was not written for, so a new store method never needs a change here.
/// A failed commit exports nothing; a batch that was only partly committed exports nothing either, since the store
/// does not say which of its commits failed (the spans of that batch are counted as dropped).
/// </remarks>
// Not sealed: DispatchProxy derives the proxy type from it at run time.
internal class ExportingKeelStore : DispatchProxy
{
    private static readonly MethodInfo CommitStep = typeof(IKeelStore).GetMethod(nameof(IKeelStore.CommitStepAsync))!;
    private static readonly MethodInfo CommitBatch = typeof(IKeelStore).GetMethod(nameof(IKeelStore.CommitBatchAsync))!;
    private static readonly MethodInfo CreateFork = typeof(IKeelStore).GetMethod(nameof(IKeelStore.CreateForkAsync))!;

    private IKeelStore _inner = null!;
    private OtlpSpanExporter _exporter = null!;

    // DispatchProxy emits its proxy type at run time: the native build of keel, which has no JIT, cannot (dotnet/runtime#73136).
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Guarded: the native build refuses OTLP export with a message instead.")]
    public static IKeelStore Wrap(IKeelStore inner, OtlpSpanExporter exporter)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new NotSupportedException(
                "OTLP span export is not available in the native build of keel (it forwards the store through a DispatchProxy, "
                + "which generates code at run time). Use the JIT build (dotnet run / dotnet publish without PublishAot) to export spans.");
        }

        var store = Create<IKeelStore, ExportingKeelStore>();
        var proxy = (ExportingKeelStore)(object)store;
        proxy._inner = inner;
        proxy._exporter = exporter;
        return store;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = targetMethod.Invoke(_inner, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
        if (targetMethod == CommitStep)
        {
            return new ValueTask(ThenExportAsync((ValueTask)result!, [(StepCommit)args![0]!]));
        }

        if (targetMethod == CommitBatch)
        {
            return new ValueTask(ThenExportAsync((ValueTask)result!, (IReadOnlyList<StepCommit>)args![0]!));
        }

        if (targetMethod == CreateFork)
        {
            return new ValueTask(ThenExportAsync((ValueTask)result!, (IReadOnlyList<StepCommit>)args![1]!));
        }

        return result;
    }

    // A Task wrapped in the ValueTask the proxy returns (boxed, as DispatchProxy returns objects).
    private async Task ThenExportAsync(ValueTask commit, IReadOnlyList<StepCommit> commits)
    {
        try
        {
            await commit.ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            _exporter.CountDropped(commits.Sum(c => c.Spans.Count));
            throw;
        }

        foreach (var committed in commits)
        {
            _exporter.Add(committed);
        }
    }
}

/// <summary>Exports the spans a store records over OTLP.</summary>
public static class OtlpExportStoreExtensions
{
    /// <summary>
    /// The store, exporting the spans of each commit to <paramref name="exporter"/> once the commit succeeds. Spans
    /// stored any other way (the OTLP receiver's, which came from a collector already) are not exported again.
    /// </summary>
    public static IKeelStore WithOtlpExport(this IKeelStore store, OtlpSpanExporter exporter)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(exporter);
        return ExportingKeelStore.Wrap(store, exporter);
    }
}
