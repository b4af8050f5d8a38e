using System.Threading.Channels;

namespace Keel.Memory.Hosting;

/// <summary>
/// The loop behind memory's hosted services (ingestion, retention): one run at start, one every interval, and one at
/// once when <see cref="RunNowAsync"/> asks. A failed run is reported to <c>failed</c> and retried at the next tick,
/// so the work must be safe to repeat.
/// </summary>
internal sealed class RecurringRun<TResult>(
    Func<CancellationToken, Task<TResult>> run, TimeSpan interval, TimeProvider time, Action<Exception> failed)
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private TaskCompletionSource<TResult> _next = NewRun();

    /// <summary>Asks for a run now and waits for it: one that starts after this call. Throws what the run threw.</summary>
    public Task<TResult> RunNowAsync(CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next).Task;
        _wake.Writer.TryWrite(true);
        return next.WaitAsync(cancellationToken);
    }

    /// <summary>The next run to start, whatever starts it (the timer or a request).</summary>
    public Task<TResult> NextRunAsync(CancellationToken cancellationToken) => Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled (the host's <c>ExecuteAsync</c>).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = Interlocked.Exchange(ref _next, NewRun());
            try
            {
                current.TrySetResult(await run(stoppingToken).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                current.TrySetCanceled(stoppingToken);
                return;
            }
            catch (Exception ex)
            {
                failed(ex);
                current.TrySetException(ex);
            }

            await WaitForTickOrRequestAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task WaitForTickOrRequestAsync(CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var tick = Task.Delay(interval, time, wait.Token);
        var request = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
        await Task.WhenAny(tick, request).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        _wake.Reader.TryRead(out _);
        try
        {
            await Task.WhenAll(tick, request).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The wait that lost (or the host stopping): nothing to do.
        }
    }

    private static TaskCompletionSource<TResult> NewRun() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
