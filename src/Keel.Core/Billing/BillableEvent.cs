namespace Keel.Billing;

/// <summary>
/// One entry of the billing ledger. The idempotency key is unique per customer: a retried or duplicated
/// submission returns the first entry, so every event is counted exactly once.
/// </summary>
public sealed record BillableEvent
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string Metric { get; init; }
    public decimal Quantity { get; init; } = 1;

    /// <summary>Money or value the event carries (an outcome's value, a model cost).</summary>
    public decimal? Value { get; init; }

    /// <summary>When it happened: picks the billing period. Late arrivals keep their real time.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public BillableEventKind Kind { get; init; } = BillableEventKind.Usage;

    /// <summary>The usage event a correction or void applies to.</summary>
    public string? TargetEventId { get; init; }

    public string? TaskId { get; init; }
    public string? Agent { get; init; }

    /// <summary>When the ledger received it; set by the store.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The finalized invoice that billed it; set by the store at finalization.</summary>
    public string? InvoiceId { get; init; }

    /// <summary>True when <paramref name="other"/> describes the same event (what a duplicate submission must repeat).</summary>
    public bool SamePayload(BillableEvent other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return CustomerId == other.CustomerId && IdempotencyKey == other.IdempotencyKey && Metric == other.Metric
            && Quantity == other.Quantity && Value == other.Value && Timestamp == other.Timestamp && Kind == other.Kind
            && TargetEventId == other.TargetEventId && TaskId == other.TaskId && Agent == other.Agent;
    }
}
