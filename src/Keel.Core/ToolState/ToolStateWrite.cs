namespace Keel.ToolState;

/// <summary>
/// A compare-and-set of one tool state value: it writes version <c>ExpectedVersion + 1</c> only if the stored
/// version is still <see cref="ExpectedVersion"/>; otherwise it fails with <see cref="ToolStateConflictException"/>.
/// Carried by a <see cref="Journal.StepCommit"/>, it is applied in the step's transaction, so the write and its
/// journal step are stored together or not at all.
/// </summary>
/// <param name="ExpectedVersion">The version the writer read; 0 when the value must not exist yet.</param>
/// <param name="Value">The new value as JSON.</param>
public sealed record ToolStateWrite(ToolStateKey Key, long ExpectedVersion, string Value)
{
    public ToolStateKey Key { get; init; } = Key ?? throw new ArgumentNullException(nameof(Key));

    public long ExpectedVersion { get; init; } = ExpectedVersion >= 0
        ? ExpectedVersion
        : throw new ArgumentOutOfRangeException(nameof(ExpectedVersion), ExpectedVersion, "Versions start at 1; 0 means the value must not exist yet.");

    public string Value { get; init; } = Value ?? throw new ArgumentNullException(nameof(Value));
}
