namespace Keel.ToolState;

/// <summary>
/// How a compare-and-set ended, as a value rather than an exception: a task journals it, so a resumed task sees
/// the same outcome, conflict included.
/// </summary>
/// <param name="Succeeded">True when the write was applied.</param>
/// <param name="Entry">
/// The value as it stands: the version just written when <paramref name="Succeeded"/>, else the version that won
/// (null when the value does not exist), ready for the retry.
/// </param>
public sealed record CompareAndSetResult(bool Succeeded, ToolStateEntry? Entry)
{
    /// <summary>The current version: what to expect on a retry. 0 when the value does not exist.</summary>
    public long Version => Entry?.Version ?? 0;
}
