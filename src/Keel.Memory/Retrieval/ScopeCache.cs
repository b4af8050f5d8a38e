using Keel.Storage;

namespace Keel.Memory.Retrieval;

/// <summary>
/// The scopes searched recently, each a <see cref="ScopeState"/> of its current memories. A filter asking for
/// history (or the memories current at another time) gets a state built for it alone and not kept. Only a scope's
/// first search waits, for its rows and vectors; its approximate index is built (or loaded from its saved file) in
/// the background while searches scan exactly, and once <see cref="MemoryOptions.ScopeCacheLifetime"/> has passed it
/// is refreshed in the background (the new memories and the ones gone, not a reload) while it keeps answering.
/// </summary>
internal sealed class ScopeCache
{
    private readonly IKeelStore _store;
    private readonly MemoryOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<MemoryScope, ScopeState> _states = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<MemoryScope, Task<ScopeState>> _loading = [];
    private readonly Dictionary<MemoryScope, Task> _refreshing = [];
    private readonly ApproximateIndexOptions _indexing;

    // The service's writes while any load is in flight, replayed on each state it installs: a load may have read
    // the store before them. Cleared when no load is in flight.
    private readonly List<Action<ScopeState>> _sinceLoads = [];

    public ScopeCache(IKeelStore store, MemoryOptions options, TimeProvider time)
        : this(store, options, time, new ApproximateIndexOptions { Files = IndexFiles.For(store) })
    {
    }

    public ScopeCache(IKeelStore store, MemoryOptions options, TimeProvider time, ApproximateIndexOptions indexing)
    {
        _store = store;
        _options = options;
        _time = time;
        _indexing = indexing;
    }

    /// <summary>The cached state of a scope, if any (tests, diagnostics).</summary>
    public ScopeState? Cached(MemoryScope scope)
    {
        lock (_gate)
        {
            return _states.GetValueOrDefault(scope);
        }
    }

    /// <summary>The refresh of a scope in flight, or a completed task (tests).</summary>
    public Task Refreshing(MemoryScope scope)
    {
        lock (_gate)
        {
            return _refreshing.GetValueOrDefault(scope) ?? Task.CompletedTask;
        }
    }

    /// <summary>The state a search of <paramref name="filter"/> reads, and whether it is kept (and so may hold memories the filter's other parts exclude).</summary>
    public async ValueTask<(ScopeState State, bool Shared)> GetAsync(MemoryFilter filter, CancellationToken cancellationToken)
    {
        if (filter.IncludeHistory || filter.AsOf is not null)
        {
            return (await LoadAsync(filter, cancellationToken).ConfigureAwait(false), false);
        }

        var now = _time.GetUtcNow();
        Task<ScopeState>? load;
        lock (_gate)
        {
            if (_states.GetValueOrDefault(filter.Scope) is { } cached)
            {
                cached.LastUsed = now;
                if ((cached.RefreshDue || now - cached.RefreshedAt >= _options.ScopeCacheLifetime) && !_refreshing.ContainsKey(cached.Scope))
                {
                    // Started on the pool: it takes this lock when done, so it cannot finish before it is registered.
                    _refreshing[cached.Scope] = Task.Run(() => RefreshAsync(cached), CancellationToken.None);
                }

                return (cached, true);
            }

            // One load per scope at a time: concurrent searches share it. Only a scope never loaded (or dropped) waits.
            if (!_loading.TryGetValue(filter.Scope, out load))
            {
                var scope = filter.Scope;
                var from = _sinceLoads.Count;
                load = Task.Run(() => LoadSharedAsync(scope, now, from), CancellationToken.None);
                _loading[filter.Scope] = load;
            }
        }

        return (await load.WaitAsync(cancellationToken).ConfigureAwait(false), true);
    }

    /// <summary>
    /// Brings a cached scope up to date with the store (other processes' writes, supersessions): reads its current
    /// memories, drops the ones gone, adds the new ones with their vectors (read only from the earliest new one's
    /// time on) to the exact set and the index. Searches keep reading the state meanwhile.
    /// </summary>
    private async Task RefreshAsync(ScopeState state)
    {
        var started = _time.GetUtcNow();
        try
        {
            state.RefreshDue = false;
            state.BeginRefresh();
            var filter = new MemoryFilter(state.Scope);
            var current = await _store.ListMemoriesAsync(filter, int.MaxValue, CancellationToken.None).ConfigureAwait(false);
            var added = state.Reconcile(current);
            if (added.Count > 0)
            {
                var wanted = added.Select(m => m.Key).ToHashSet();
                var batch = new List<(long, float[])>(64);
                var since = filter with { OccurredFrom = added.Min(m => m.OccurredAt) };
                await foreach (var vector in _store.ReadMemoryVectorsAsync(since, CancellationToken.None).ConfigureAwait(false))
                {
                    if (wanted.Contains(vector.Key))
                    {
                        batch.Add((vector.Key, VectorSet.Normalised(vector.Vector.Span)));
                    }

                    // Small batches: each takes the state's lock, which searches also take.
                    if (batch.Count == 64)
                    {
                        state.AddVectors(batch);
                        batch.Clear();
                    }
                }

                state.AddVectors(batch);
            }

            state.EnsureIndex();
        }
        catch (Exception ex) when (ex is StoreException or IOException or InvalidOperationException)
        {
            // Tried again after another lifetime; the state keeps answering as it was.
        }
        finally
        {
            state.EndRefresh(started);
            lock (_gate)
            {
                _refreshing.Remove(state.Scope);
            }
        }
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

            state.EnsureIndex();
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

            state.EnsureIndex();
        }
    }

    /// <summary>
    /// Marks a customer's cached scopes for a refresh on their next search: superseded memories changed validity in
    /// them. Until then they may still hold a superseded memory, which search drops when it reads its hits back.
    /// </summary>
    public void Invalidate(string customerId)
    {
        lock (_gate)
        {
            foreach (var state in _states.Values.Where(s => s.Scope.CustomerId == customerId))
            {
                state.RefreshDue = true;
            }

            if (_loading.Count > 0)
            {
                _sinceLoads.Add(state => state.RefreshDue |= state.Scope.CustomerId == customerId);
            }
        }
    }

    /// <summary>Removes forgotten memories from every cached scope of their customer, and the customer's saved indexes.</summary>
    public void Removed(string customerId, IReadOnlyList<long> keys)
    {
        if (keys.Count > 0)
        {
            _indexing.Files?.DeleteCustomer(customerId);
        }

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
        var shared = !filter.IncludeHistory && filter.AsOf is null;
        var state = new ScopeState(filter.Scope, _time.GetUtcNow(), _options.ApproximateThreshold, shared ? _indexing : null);
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
