using Keel.Journal;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    // Copy on write: commits read the array without a lock; observers are added at start-up.
    private ICommitObserver[] _observers = [];
    private long _observerErrors;

    /// <summary>Exceptions commit observers threw: each was caught and counted, as the commit had happened.</summary>
    public long CommitObserverErrors => Interlocked.Read(ref _observerErrors);

    public void AddCommitObserver(ICommitObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ICommitObserver[] current;
        do
        {
            current = Volatile.Read(ref _observers);
        }
        while (Interlocked.CompareExchange(ref _observers, [.. current, observer], current) != current);
    }

    private void NotifyCommitted(StepCommit commit)
    {
        if (Volatile.Read(ref _observers).Length > 0)
        {
            Notify([commit], failed: false);
        }
    }

    private void NotifyFailed(StepCommit commit)
    {
        if (Volatile.Read(ref _observers).Length > 0)
        {
            Notify([commit], failed: true);
        }
    }

    private void Notify(IReadOnlyList<StepCommit> commits, bool failed)
    {
        if (commits.Count == 0)
        {
            return;
        }

        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                if (failed)
                {
                    observer.OnFailed(commits);
                }
                else
                {
                    observer.OnCommitted(commits);
                }
            }
#pragma warning disable CA1031 // An observer's fault must not fail a commit that has happened: counted, not thrown.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _observerErrors);
            }
        }
    }
}
