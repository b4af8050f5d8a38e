namespace Keel.Journal;

/// <summary>
/// Told by the store about step commits after their transaction: the one point every recorded step passes (SDK steps
/// through <c>TaskContext</c>, the gateway's batches, OTLP ingestion, forks, task endings), so a consumer of what was
/// recorded (the OTLP span exporter) needs no wrapper around the store and nothing has to remember to call it.
/// </summary>
/// <remarks>
/// Called on the committing caller's thread, after the commit is durable and before the commit call returns: an
/// observer must be cheap (queue the work, never wait on I/O) and should not throw. A store catches what an observer
/// throws and counts it; the commit has happened and its caller is not told.
/// </remarks>
public interface ICommitObserver
{
    /// <summary>
    /// Commits that are stored: all of a commit, after its transaction committed. For a batch only some of whose commits
    /// failed, the ones that were kept, in batch order.
    /// </summary>
    void OnCommitted(IReadOnlyList<StepCommit> commits);

    /// <summary>Commits the store refused or could not write: nothing of them is stored, and their caller got the error.</summary>
    void OnFailed(IReadOnlyList<StepCommit> commits);
}
