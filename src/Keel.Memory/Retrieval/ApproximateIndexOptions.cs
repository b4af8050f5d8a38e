namespace Keel.Memory.Retrieval;

/// <summary>
/// How a scope's approximate index is built and kept (docs/memory.md, "Vectors in memory"). The threshold stays in
/// <see cref="MemoryOptions.ApproximateThreshold"/>; these are the parts a deployment rarely changes.
/// </summary>
internal sealed class ApproximateIndexOptions
{
    /// <summary>Where indexes are saved; null keeps them in memory only (each process builds its own).</summary>
    public IndexFiles? Files { get; init; }

    /// <summary>Threads adding to an index being built: all cores, so the build (during which searches scan exactly) ends soonest.</summary>
    public int BuildThreads { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>Awaited before a build starts: lets a test hold a build to search meanwhile.</summary>
    public Func<CancellationToken, Task>? BuildGate { get; init; }
}
