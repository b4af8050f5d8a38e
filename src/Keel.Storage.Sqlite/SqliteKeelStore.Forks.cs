using Keel.Journal;
using Keel.Tasks;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public async ValueTask CreateForkAsync(AgentTask fork, IReadOnlyList<StepCommit> reused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fork);
        ArgumentNullException.ThrowIfNull(reused);
        try
        {
            foreach (var commit in reused)
            {
                if (commit.Step?.TaskId != fork.Id || commit.Task is not null || commit.CreateTaskIfMissing is not null || commit.Spans.Any(s => s.TaskId != fork.Id))
                {
                    throw new ArgumentException($"Every reused step of fork {fork.Id} must be a step of the fork, and only a step.", nameof(reused));
                }
            }

            await WriteJournalAsync(transaction =>
            {
                Journal.InsertTask(fork, transaction);
                foreach (var commit in reused)
                {
                    Journal.Apply(commit, transaction);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Notify(reused, failed: true);
            throw;
        }

        Notify(reused, failed: false);
    }
}
