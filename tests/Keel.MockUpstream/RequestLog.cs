using System.Collections.Concurrent;

namespace Keel.MockUpstream;

/// <summary>
/// The most recent requests, oldest dropped first past a cap, so a long benchmark run cannot exhaust memory.
/// Per-spec counts live in <see cref="ScenarioRegistry"/> and are exact whatever the cap.
/// </summary>
internal sealed class RequestLog
{
    private readonly ConcurrentQueue<RecordedRequest> _queue = new();
    private int _count;
    private volatile int _capacity = 100_000;

    /// <summary>0 turns recording off.</summary>
    public int Capacity
    {
        get => _capacity;
        set => _capacity = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be 0 or more.");
    }

    public bool Enabled => _capacity > 0;

    public void Add(RecordedRequest request)
    {
        _queue.Enqueue(request);
        if (Interlocked.Increment(ref _count) > _capacity && _queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    public RecordedRequest[] Snapshot() => _queue.ToArray();

    public void Clear()
    {
        while (_queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
