using Keel.Journal;
using Keel.Storage.Sqlite.Journal;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    // One transaction: the task and its row in the billing change feed (migration 23) are written together.
    public async ValueTask CreateTaskAsync(AgentTask task, CancellationToken cancellationToken = default) =>
        await WriteJournalAsync(transaction => Journal.InsertTask(task, transaction), cancellationToken).ConfigureAwait(false);

    public async ValueTask CommitStepAsync(StepCommit commit, CancellationToken cancellationToken = default)
    {
        try
        {
            await WriteJournalAsync(transaction => Journal.Apply(commit, transaction), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            NotifyFailed(commit);
            throw;
        }

        NotifyCommitted(commit);
    }

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction of the journal writer: the deferred step totals and cost rollup are
    /// flushed before the commit, and on any failure nothing the transaction wrote counts as stored.
    /// </summary>
    private ValueTask<int> WriteJournalAsync(Action<SqliteTransaction> write, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            try
            {
                write(transaction);
            }
            catch
            {
                Journal.RolledBackTo(0);
                throw;
            }

            CommitJournal(transaction);
            return 0;
        }, cancellationToken);

    /// <summary>Flushes the deferred step totals and cost rollup, and commits; on failure nothing the transaction wrote counts as stored.</summary>
    private void CommitJournal(SqliteTransaction transaction)
    {
        try
        {
            Journal.FlushTotals(transaction);
            transaction.Commit();
            Journal.Committed();
        }
        catch
        {
            Journal.RolledBackTo(0);
            throw;
        }
    }

    public async ValueTask CommitBatchAsync(IReadOnlyList<StepCommit> commits, CancellationToken cancellationToken = default)
    {
        PartialBatch? partial;
        try
        {
            partial = await WriteBatchAsync(commits, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Notify(commits, failed: true);
            throw;
        }

        if (partial is null)
        {
            Notify(commits, failed: false);
            return;
        }

        Notify(partial.Kept, failed: false);
        Notify(partial.Failed, failed: true);
        throw new AggregateException($"{partial.Failed.Count} of {commits.Count} step commits failed and were left out.", partial.Errors);
    }

    /// <summary>Null when every commit was stored; otherwise which were kept and which failed, and why.</summary>
    private ValueTask<PartialBatch?> WriteBatchAsync(IReadOnlyList<StepCommit> commits, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            // The common case, every commit valid, costs one transaction and no savepoints. Only when one fails is
            // the batch redone with a savepoint per commit, to keep the good ones and leave the bad one out.
            using (var transaction = connection.BeginTransaction())
            {
                try
                {
                    // Step totals are deferred: each task's row takes one UPDATE for the whole batch.
                    foreach (var commit in commits)
                    {
                        Journal.Apply(commit, transaction);
                    }

                    Journal.FlushTotals(transaction);
                    transaction.Commit();
                    Journal.Committed();
                    return (PartialBatch?)null;
                }
                catch (Exception ex) when (IsCommitFailure(ex))
                {
                    transaction.Rollback();
                    Journal.RolledBackTo(0);
                }
                catch
                {
                    Journal.RolledBackTo(0); // nothing the transaction wrote may count as stored
                    throw;
                }
            }

            return CommitOneByOne(connection, commits);
        }, cancellationToken);

    public ValueTask<int> NextStepSeqAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT coalesce(max(seq), 0) + 1 FROM steps WHERE task_id = $task";
            query.Parameters.AddWithValue("$task", taskId);
            return Convert.ToInt32(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    private PartialBatch? CommitOneByOne(SqliteConnection connection, IReadOnlyList<StepCommit> commits)
    {
        var outcome = new PartialBatch();
        using var transaction = connection.BeginTransaction();
        foreach (var commit in commits)
        {
            transaction.Save("step");
            var mark = Journal.Mark;
            try
            {
                Journal.Apply(commit, transaction);
                transaction.Release("step");
                outcome.Kept.Add(commit);
            }
            catch (Exception ex) when (IsCommitFailure(ex))
            {
                transaction.Rollback("step");
                transaction.Release("step");
                Journal.RolledBackTo(mark); // its stored content and its deferred step totals go with it
                outcome.Failed.Add(commit);
                outcome.Errors.Add(ex);
            }
            catch
            {
                Journal.RolledBackTo(0);
                throw;
            }
        }

        CommitJournal(transaction);
        return outcome.Failed.Count == 0 ? null : outcome;
    }

    private static bool IsCommitFailure(Exception ex) => ex is SqliteException or StoreException or ArgumentException;

    /// <summary>A batch some of whose commits failed: the commits kept and the ones left out with their errors, in batch order.</summary>
    private sealed class PartialBatch
    {
        public List<StepCommit> Kept { get; } = [];
        public List<StepCommit> Failed { get; } = [];
        public List<Exception> Errors { get; } = [];
    }
}
