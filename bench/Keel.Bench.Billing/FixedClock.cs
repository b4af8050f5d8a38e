namespace Keel.Bench.Billing;

/// <summary>"Now" for the billing service: after the period's grace, so finalizing needs no force.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
