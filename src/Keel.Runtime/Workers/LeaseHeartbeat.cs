using Keel.Storage;

namespace Keel.Workers;

/// <summary>
/// Renews one task's lease every third of its length while the task runs. When the lease is lost (the worker
/// stalled past it and another took the task), <see cref="Token"/> is cancelled so the task stops at its next step.
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;

    public LeaseHeartbeat(IKeelStore store, TimeProvider time, string worker, string taskId, TimeSpan lease, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = RenewAsync(store, time, worker, taskId, lease);
    }

    /// <summary>Cancelled when the task's caller cancels or the lease is lost.</summary>
    public CancellationToken Token => _stop.Token;

    public bool Lost { get; private set; }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RenewAsync(IKeelStore store, TimeProvider time, string worker, string taskId, TimeSpan lease)
    {
        using var timer = new PeriodicTimer(lease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                IReadOnlyList<string> held;
                try
                {
                    held = await store.RenewLeasesAsync(worker, [taskId], time.GetUtcNow() + lease, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A store that failed once (busy, a network blip) may answer at the next tick, well within the
                    // lease; and should the lease run out meanwhile, the fencing check stops this run's commits.
                    continue;
                }

                if (held.Count == 0)
                {
                    Lost = true;
                    await _stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
