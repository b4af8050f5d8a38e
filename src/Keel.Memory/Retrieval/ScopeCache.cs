using Keel.Storage;

namespace Keel.Memory.Retrieval;

/// <summary>
/// The scopes searched recently, each a <see cref="ScopeState"/> of its current memories. A filter asking for
/// history (or the memories current at another time) gets a state built for it alone and not kept.
/// </summary>
internal sealed class ScopeCache
{
    private readonly IKeelStore _store;
    private readonly MemoryOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<MemoryScope, ScopeState> _states = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<MemoryScope, Task<ScopeState>> _loading = [];

    public ScopeCache(IKeelStore store, MemoryOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
    }

    /// <summary>The state a search of <paramref name="filter"/> reads, and whether it is kept (and so may hold memories the filter's other parts exclude).</summary>
    public async ValueTask<(ScopeState State, bool Shared)> GetAsync(MemoryFilter filter, CancellationToken cancellationToken)
    {
        if (filter.IncludeHistory || filter.AsOf is not null)
        {
            return (await LoadAsync(filter, cancellationToken).ConfigureAwait(false), false);
        }

        var now = _time.GetUtcNow();
        if (TryGetFresh(filter.Scope, now) is { } cached)
        {
            return (cached, true);
        }

        // One load per scope at a time: concurrent first searches share it.
        Task<ScopeState> load;
        lock (_gate)
        {
            if (!_loading.TryGetValue(filter.Scope, out load!))
            {
                // Started on the pool: it takes this lock when done, so it cannot finish before it is registered.
                var scope = filter.Scope;
                load = Task.Run(() => LoadSharedAsync(scope, now), CancellationToken.None);
                _loading[filter.Scope] = load;
            }
        }

        return (await load.WaitAsync(cancellationToken).ConfigureAwait(false), true);
    }

    private async Task<ScopeState> LoadSharedAsync(MemoryScope scope, DateTimeOffset now)
    {
        try
        {
            // Not the caller's token: other searches may wait on this load.
            var state = await LoadAsync(new MemoryFilter(scope), CancellationToken.None).ConfigureAwait(false);
            state.LastUsed = now;
            lock (_gate)
            {
                if (_states.Remove(scope, out var old))
                {
                    old.Dispose();
                }

                while (_states.Count >= Math.Max(1, _options.MaxCachedScopes))
                {
                    var oldest = _states.Values.MinBy(s => s.LastUsed)!;
                    _states.Remove(oldest.Scope);
                    oldest.Dispose();
                }

                _states[scope] = state;
            }

            return state;
        }
        finally
        {
            lock (_gate)
            {
                _loading.Remove(scope);
            }
        }
    }

    /// <summary>Adds new memories (with their normalised vectors) to every cached scope they fall in.</summary>
    public void Added(IReadOnlyList<(MemoryRecord Memory, float[]? Vector)> added)
    {
        lock (_gate)
        {
            foreach (var state in _states.Values)
            {
                foreach (var (memory, vector) in added)
                {
                    if (FilterMatch.Covers(state.Scope, memory.Scope))
                    {
                        state.Add(memory, vector);
                    }
                }
            }
        }
    }

    /// <summary>Drops a customer's cached scopes: superseded memories changed validity in them.</summary>
    public void Invalidate(string customerId)
    {
        lock (_gate)
        {
            foreach (var state in _states.Values.Where(s => s.Scope.CustomerId == customerId).ToList())
            {
                _states.Remove(state.Scope);
                state.Dispose();
            }
        }
    }

    /// <summary>Removes forgotten memories from every cached scope of their customer.</summary>
    public void Removed(string customerId, IReadOnlyList<long> keys)
    {
        lock (_gate)
        {
            foreach (var state in _states.Values.Where(s => s.Scope.CustomerId == customerId))
            {
                state.Remove(keys);
            }
        }
    }

    private ScopeState? TryGetFresh(MemoryScope scope, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_states.TryGetValue(scope, out var state) && now - state.LoadedAt < _options.ScopeCacheLifetime)
            {
                state.LastUsed = now;
                return state;
            }

            return null;
        }
    }

    private async Task<ScopeState> LoadAsync(MemoryFilter filter, CancellationToken cancellationToken)
    {
        var state = new ScopeState(filter.Scope, _time.GetUtcNow(), _options.ApproximateThreshold);
        foreach (var memory in await _store.ListMemoriesAsync(filter, int.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            state.Add(memory, null);
        }

        await foreach (var vector in _store.ReadMemoryVectorsAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            state.AddVector(vector.Key, VectorSet.Normalised(vector.Vector.Span));
        }

        return state;
    }
}
