using Keel.Journal;
using Keel.Tasks;

namespace Keel.Storage;

/// <summary>Forks: a new task that starts with steps reused from another task's journal.</summary>
public partial interface IKeelStore
{
    /// <summary>
    /// Creates a forked task together with the journal steps it reuses, in one transaction. A fork that exists
    /// always holds all of them: one that held only some would run the missing steps live, and pay for them again.
    /// </summary>
    /// <param name="fork">The new task, in the state it starts in (pending, or running under its runner's lease).</param>
    /// <param name="reused">One commit per reused step, each naming <paramref name="fork"/> as its task.</param>
    /// <exception cref="ArgumentException">A commit names another task.</exception>
    ValueTask CreateForkAsync(AgentTask fork, IReadOnlyList<StepCommit> reused, CancellationToken cancellationToken = default);
}
