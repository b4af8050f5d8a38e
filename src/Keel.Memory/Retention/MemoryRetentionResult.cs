namespace Keel.Memory.Retention;

/// <summary>What one application of the retention policies did.</summary>
/// <param name="AppliedAt">The time the policies were measured against.</param>
/// <param name="RemovedKeys">The keys of the memories forgotten (see <see cref="MemoryRecord.Key"/>).</param>
public sealed record MemoryRetentionResult(DateTimeOffset AppliedAt, IReadOnlyList<long> RemovedKeys)
{
    public int Removed => RemovedKeys.Count;
}
