using Keel.Journal;

namespace Keel.Storage;

public partial interface IKeelStore
{
    /// <summary>
    /// Tells <paramref name="observer"/> about every step commit from now on (<see cref="CommitStepAsync"/>,
    /// <see cref="CommitBatchAsync"/>, <see cref="CreateForkAsync"/>): those stored, once their transaction committed,
    /// and those that failed. Meant for start-up; observers are never removed.
    /// </summary>
    void AddCommitObserver(ICommitObserver observer);
}
