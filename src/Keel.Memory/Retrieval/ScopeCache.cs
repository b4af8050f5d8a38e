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

    // The service's writes while any load is in flight, replayed on each state it installs: a load may have read
    // the store before them. Cleared when no load is in flight.
    private readonly List<Action<ScopeState>> _sinceLoads = [];

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
        Task<ScopeState> load;
        lock (_gate)
        {
            var cached = _states.GetValueOrDefault(filter.Scope);
            var fresh = cached is not null && !cached.Stale && now - cached.LoadedAt < _options.ScopeCacheLifetime;
            if (cached is not null)
            {
                cached.LastUsed = now;
            }

            // One load per scope at a time: concurrent searches share it.
            if (!fresh && !_loading.TryGetValue(filter.Scope, out load!))
            {
                // Started on the pool: it takes this lock when done, so it cannot finish before it is registered.
                var scope = filter.Scope;
                var from = _sinceLoads.Count;
                load = Task.Run(() => LoadSharedAsync(scope, now, from), CancellationToken.None);
                _loading[filter.Scope] = load;
            }

            // An expired state keeps answering while it is read again in the background (building a large scope's
            // approximate index takes seconds); only a scope never loaded, or dropped, waits.
            if (cached is not null && (fresh || !cached.Stale))
            {
                return (cached, true);
            }

            load = _loading[filter.Scope];
        }

        return (await load.WaitAsync(cancellationToken).ConfigureAwait(false), true);
    }

    private async Task<ScopeState> LoadSharedAsync(MemoryScope scope, DateTimeOffset now, int from)
    {
        try
        {
            // Not the caller's token: other searches may wait on this load.
            var state = await LoadAsync(new MemoryFilter(scope), CancellationToken.None).ConfigureAwait(false);
            state.LastUsed = now;
            lock (_gate)
            {
                foreach (var write in _sinceLoads.Skip(from))
                {
                    write(state);
                }

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
                if (_loading.Count == 0)
                {
                    _sinceLoads.Clear();
                }
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
                Apply(state);
            }

            if (_loading.Count > 0)
            {
                _sinceLoads.Add(Apply);
            }
        }

        void Apply(ScopeState state)
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

            if (_loading.Count > 0)
            {
                _sinceLoads.Add(state => state.Stale |= state.Scope.CustomerId == customerId);
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

            if (_loading.Count > 0)
            {
                _sinceLoads.Add(state =>
                {
                    if (state.Scope.CustomerId == customerId)
                    {
                        state.Remove(keys);
                    }
                });
            }
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
