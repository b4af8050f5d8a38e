using Keel.Storage;
using Keel.Tasks;

namespace Keel.Billing.Ledger;

/// <summary>
/// Follows the store's task change feed and appends what each changed task owes to the ledger. Each batch's events
/// and the cursor move commit together (the store drops the consumed feed rows with it), and derivation is
/// idempotent, so a sync that stops anywhere resumes without counting anything twice.
/// </summary>
internal sealed class TaskLedgerSync(IKeelStore store)
{
    /// <returns>The customers that got new voids or corrections (whose credits may be due), and the counts.</returns>
    public async Task<(int Tasks, int Added, IReadOnlySet<string> Reversed, long Cursor)> RunAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var cursor = await store.GetBillingCursorAsync(TaskBillingChange.FeedCursor, cancellationToken).ConfigureAwait(false);
        var (tasks, added) = (0, 0);
        var reversed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var changes = await store.ReadTaskBillingChangesAsync(cursor, batchSize, cancellationToken).ConfigureAwait(false);
            if (changes.Count == 0)
            {
                return (tasks, added, reversed, cursor);
            }

            var derived = new List<BillableEvent>();
            foreach (var customer in changes.GroupBy(c => c.CustomerId, StringComparer.Ordinal))
            {
                var existing = (await store.ListBillableEventsAsync(new BillableEventQuery(customer.Key, TaskIds: customer.Select(c => c.TaskId).ToList()), cancellationToken)
                        .ConfigureAwait(false))
                    .ToLookup(e => e.TaskId, StringComparer.Ordinal);
                foreach (var change in customer)
                {
                    derived.AddRange(TaskEventDeriver.Derive(change, [.. existing[change.TaskId]], () => KeelIds.New("bev")));
                }
            }

            cursor = changes.Max(c => c.Seq);
            var writes = await store.AddBillableEventsAsync(derived, TaskBillingChange.FeedCursor, cursor, cancellationToken).ConfigureAwait(false);
            tasks += changes.Count;
            added += writes.Count(w => w.Created);
            reversed.UnionWith(writes.Where(w => w.Created && w.Event.Kind != BillableEventKind.Usage).Select(w => w.Event.CustomerId));
        }
    }
}
