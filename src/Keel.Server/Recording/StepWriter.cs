using System.Threading.Channels;
using Keel.Journal;
using Keel.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Recording;

/// <summary>
/// Commits the gateway's steps in the background, many per transaction, so recording never sits on a request's
/// latency and the store keeps up with thousands of calls a second. On shutdown it drains what is queued.
/// </summary>
public sealed partial class StepWriter(IKeelStore store, ILogger<StepWriter> logger) : BackgroundService
{
    private const int MaxBatch = 512;
    internal const int QueueLength = 512;

    // Bounded: when the store falls behind, callers wait for room (backpressure) instead of memory growing
    // without limit. One batch's worth: while the writer commits a batch the next one fills, which keeps it busy
    // at thousands of calls a second, and a full queue (the low-priority writer starved by a closed-loop load)
    // holds a few MiB. Measured against 2,048 places: the same CPU per call, ~10 MiB less resident under a
    // closed loop (quick, noisy runs; bench/results/gateway.md).
    private readonly Channel<StepCommit> _queue = Channel.CreateBounded<StepCommit>(new BoundedChannelOptions(QueueLength)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly ManualResetEventSlim _writeNow = new(false);
    private long _enqueued;
    private long _finished;
    private TaskCompletionSource _batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// How long the writer lets a batch gather once a commit is waiting, unless a whole batch is queued sooner. Without
    /// it, at a thousand calls a second each call was a transaction of its own, writing the same dozen hot pages (task,
    /// step, span, usage and rollup B-trees) to the WAL every time; that disk work, not the calls, made the tail latency.
    /// A crash loses at most this much more.
    /// </summary>
    internal TimeSpan GatherFor { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Raised on the writer's thread as it starts to gather a batch (for tests).</summary>
    internal event Action? Gathering;

    /// <summary>Commits not yet written: what a crash right now would lose.</summary>
    public long Pending => Interlocked.Read(ref _enqueued) - Interlocked.Read(ref _finished);

    public async ValueTask EnqueueAsync(StepCommit commit)
    {
        // Counted before it is queued, so that FlushAsync can never return while this commit is in the queue.
        Interlocked.Increment(ref _enqueued);
        try
        {
            if (!_queue.Writer.TryWrite(commit))
            {
                // A whole batch is queued: the writer stops gathering and takes it. Without this, callers waited out
                // the rest of the gather whenever a batch filled within it (closed loop: 12-24 % of the throughput).
                _writeNow.Set();
                await _queue.Writer.WriteAsync(commit).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            Interlocked.Increment(ref _finished); // dropped: nothing to wait for
            LogDropped(logger);
        }
    }

    /// <summary>Waits until everything enqueued before the call has been written (or has failed to be).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _enqueued);
        _writeNow.Set(); // someone waits: no gathering
        while (true)
        {
            // Take the signal before checking, and the writer counts before it signals: no batch can slip between.
            var batchDone = Volatile.Read(ref _batchDone);
            if (Interlocked.Read(ref _finished) >= target)
            {
                return;
            }

            await batchDone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        _writeNow.Set();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _writeNow.Dispose();
    }

    /// <summary>
    /// Runs the writer on a thread of its own at a lower OS priority: on a busy machine request threads preempt it,
    /// so recording costs throughput rather than tail latency, while the bounded queue still stops it falling behind
    /// for long (callers wait for room when it is full, and then it gets the CPU).
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                WriterPriority.Lower(logger);
                Run();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "keel-step-writer",
        };
        thread.Start();
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<StepCommit>(MaxBatch);
        // Not stoppingToken: the loop ends when the queue is completed and drained, so nothing queued is lost.
        while (WaitToRead())
        {
            if (_queue.Reader.Count < MaxBatch)
            {
                Gathering?.Invoke();
                if (_writeNow.Wait(GatherFor))
                {
                    _writeNow.Reset();
                }
            }

            WriteBatch(batch);
        }
    }

    // A method of its own so that it is compiled like any other hot method, not only through the loop's OSR.
    private void WriteBatch(List<StepCommit> batch)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var commit))
        {
            batch.Add(commit);
        }

        try
        {
            // Blocking is the point of a thread of its own: the SQLite work stays on it (and at its priority).
            var commit = store.CommitBatchAsync(batch, CancellationToken.None);
            if (!commit.IsCompletedSuccessfully)
            {
                commit.AsTask().GetAwaiter().GetResult();
            }
        }
        catch (AggregateException ex)
        {
            LogFailed(logger, ex.InnerExceptions.Count, batch.Count, ex.InnerExceptions[0]);
        }
        catch (Exception ex) when (ex is StoreException or IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            LogFailed(logger, batch.Count, batch.Count, ex);
        }
        finally
        {
            Interlocked.Add(ref _finished, batch.Count);
            Interlocked.Exchange(ref _batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            batch.Clear();
        }
    }

    private bool WaitToRead()
    {
        var wait = _queue.Reader.WaitToReadAsync(CancellationToken.None);
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record {Failed} of {Total} gateway steps.")]
    private static partial void LogFailed(ILogger logger, int failed, int total, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The step queue is closed; a gateway step was not recorded.")]
    private static partial void LogDropped(ILogger logger);
}
