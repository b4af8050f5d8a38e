using Keel.Storage;

namespace Keel.ToolState;

/// <summary>
/// A compare-and-set found another version than the one it expected: someone wrote the value after the writer
/// read it. Nothing of the commit that carried the write is stored; read the value again and retry.
/// </summary>
public sealed class ToolStateConflictException(ToolStateKey key, long expectedVersion, long actualVersion)
    : StoreException($"Tool state {key} is at version {actualVersion}, not the expected {expectedVersion}: it changed since it was read.")
{
    public ToolStateKey Key { get; } = key;

    public long ExpectedVersion { get; } = expectedVersion;

    /// <summary>The version stored when the write was refused; 0 when the value does not exist.</summary>
    public long ActualVersion { get; } = actualVersion;
}
