using Keel.Storage;

namespace Keel.Billing;

/// <summary>
/// An event arrived under an idempotency key already used for a different event: a client bug (a reused key)
/// that must not be silently merged nor counted twice.
/// </summary>
public sealed class BillableEventConflictException(string customerId, string idempotencyKey, string existingEventId)
    : StoreException($"Idempotency key '{idempotencyKey}' of customer {customerId} was already used by event {existingEventId} with a different payload.")
{
    public string IdempotencyKey { get; } = idempotencyKey;
    public string ExistingEventId { get; } = existingEventId;
}
