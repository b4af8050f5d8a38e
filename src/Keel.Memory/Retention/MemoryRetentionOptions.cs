namespace Keel.Memory.Retention;

/// <summary>How often the retention policies of every scope are applied in the background.</summary>
public sealed record MemoryRetentionOptions
{
    /// <summary>
    /// How often the hosted service applies retention after its run at start. Policies are measured in days, so an
    /// hour keeps expired memories at most an hour past their time at the cost of one indexed delete per policy.
    /// </summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Whether <c>AddKeelMemory</c> runs the hosted <see cref="MemoryRetentionService"/>.</summary>
    public bool RunInBackground { get; init; } = true;
}
