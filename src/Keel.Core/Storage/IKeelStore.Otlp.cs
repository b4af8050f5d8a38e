namespace Keel.Storage;

/// <summary>
/// OTLP ingestion: the tasks that traces received from other frameworks were stored as. A trace's task is linked to
/// its trace id when it is created (<see cref="Journal.StepCommit.IngestedTraceId"/>), so a trace whose spans arrive
/// over several export requests is found again, in one read for a whole request.
/// </summary>
public partial interface IKeelStore
{
    /// <summary>
    /// The tasks of those of <paramref name="traceIds"/> already ingested, each with what the next request's spans must
    /// not repeat (its stored span ids and next step number). Traces not stored yet are absent. A task stored before
    /// trace links existed (named <c>task_</c> + its trace id) is found by that name.
    /// </summary>
    ValueTask<IReadOnlyList<IngestedTrace>> GetIngestedTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken = default);
}
