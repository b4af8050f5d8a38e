using Keel.Storage;
using Keel.Tasks;

namespace Keel.Workers;

/// <summary>
/// Claims runnable tasks of its agents under a lease and runs them, several at once. Tasks of a worker that
/// crashed become claimable when their leases expire (at once, when it ran on this host and its process is gone).
/// </summary>
public sealed class TaskWorkerPool
{
    private readonly AgentRuntime _runtime;
    private readonly AgentRegistry _agents;
    private readonly WorkerOptions _options;

    public TaskWorkerPool(AgentRuntime runtime, AgentRegistry agents, WorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(agents);
        _runtime = runtime;
        _agents = agents;
        _options = options ?? new WorkerOptions();
        if (_options.Concurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "A worker pool needs a concurrency of at least 1.");
        }

        Worker = WorkerIds.New("worker");
    }

    /// <summary>The lease owner name this pool claims tasks under.</summary>
    public string Worker { get; }

    /// <summary>Raised with each task that ended or parked, from the thread that ran it.</summary>
    public event Action<AgentTask>? TaskSettled;

    /// <summary>Runs tasks until cancelled: a worker process's life.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => LoopAsync(drain: false, cancellationToken);

    /// <summary>
    /// Runs tasks until none is runnable or will become runnable within <see cref="WorkerOptions.DrainHorizon"/>:
    /// queued tasks, tasks of crashed workers (once their leases expire), timers about to fire. Tasks waiting for a
    /// decision, or for a timer further off, are left waiting. Returns how many runs it made.
    /// </summary>
    public Task<int> DrainAsync(CancellationToken cancellationToken = default) => LoopAsync(drain: true, cancellationToken);

    private async Task<int> LoopAsync(bool drain, CancellationToken cancellationToken)
    {
        var store = _runtime.Store;
        var time = _runtime.Time;
        var inFlight = new Dictionary<string, Task>(StringComparer.Ordinal);
        var runs = new RunCount();
        await ReclaimFromDeadWorkersAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                while (inFlight.Count < _options.Concurrency
                    && await store.ClaimTaskAsync(new TaskClaim(Worker, _agents.Names, time.GetUtcNow(), _runtime.Lease), cancellationToken).ConfigureAwait(false) is { } claimed)
                {
                    inFlight[claimed.Id] = inFlight.TryGetValue(claimed.Id, out var current) && !current.IsCompleted
                        ? RunAfterAsync(current, claimed, runs, cancellationToken)
                        : RunOneAsync(claimed, runs, cancellationToken);
                }

                if (inFlight.Count > 0)
                {
                    // Wake when a task settles (it may free a slot, or start a child) or to look for new work.
                    using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var tick = Task.Delay(_options.PollInterval, time, poll.Token);
                    await Task.WhenAny([.. inFlight.Values, tick]).ConfigureAwait(false);
                    await poll.CancelAsync().ConfigureAwait(false);
                    foreach (var done in inFlight.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
                    {
                        inFlight.Remove(done);
                    }

                    continue;
                }

                var wait = _options.PollInterval;
                if (drain)
                {
                    await ReclaimFromDeadWorkersAsync(cancellationToken).ConfigureAwait(false);
                    if (await store.NextDueAsync(_agents.Names, cancellationToken).ConfigureAwait(false) is not { } due
                        || due - time.GetUtcNow() > _options.DrainHorizon)
                    {
                        break;
                    }

                    wait = TimeSpan.FromTicks(Math.Clamp((due - time.GetUtcNow()).Ticks, 0, _options.PollInterval.Ticks));
                }

                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !drain)
        {
        }
        finally
        {
            await Task.WhenAll(inFlight.Values).ConfigureAwait(false);
        }

        return runs.Value;
    }

    private async Task RunOneAsync(AgentTask task, RunCount runs, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the claim loop carries on while the task runs
        Interlocked.Increment(ref runs.Value);
        try
        {
            var settled = await _runtime.ExecuteAsync(task, _agents.Get(task.Agent), Worker, failOnCancel: false, cancellationToken).ConfigureAwait(false);
            TaskSettled?.Invoke(settled);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// A claim returned a task this pool is still running: either that run outlived its lease (a long stall) and
    /// must not get a twin, or it has just parked and the task came due again at once. Once the run ends, the task
    /// runs again only if it is still running under this pool's lease.
    /// </summary>
    private async Task RunAfterAsync(Task current, AgentTask claimed, RunCount runs, CancellationToken cancellationToken)
    {
        await Task.WhenAny(current).ConfigureAwait(false);
        AgentTask? task;
        try
        {
            task = (await _runtime.Store.GetTaskSummaryAsync(claimed.Id, cancellationToken).ConfigureAwait(false))?.Task;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        if (task is { Status: AgentTaskStatus.Running } && task.LeaseOwner == Worker)
        {
            await RunOneAsync(task, runs, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReclaimFromDeadWorkersAsync(CancellationToken cancellationToken)
    {
        var store = _runtime.Store;
        foreach (var owner in await store.ListLeaseOwnersAsync(cancellationToken).ConfigureAwait(false))
        {
            if (WorkerIds.IsDeadLocalWorker(owner))
            {
                await store.ExpireLeasesAsync(owner, _runtime.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How many runs one loop made, counted by the runs themselves (a claim does not always lead to one).</summary>
    private sealed class RunCount
    {
        public int Value;
    }
}
