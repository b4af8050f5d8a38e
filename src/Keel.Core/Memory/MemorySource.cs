namespace Keel.Memory;

/// <summary>
/// Where a memory came from, so it can be traced back (which turn, which step) and forgotten with its source.
/// Every part is optional; as a filter, each part given must match.
/// </summary>
/// <param name="MessageId">A message within the session: its sequence number, or an outside id such as LoCoMo's <c>D3:7</c>.</param>
/// <param name="ExternalId">An id in another system (a ticket, a CRM record, a document).</param>
public sealed record MemorySource(
    string? SessionId = null,
    string? TaskId = null,
    int? StepSeq = null,
    string? MessageId = null,
    string? ExternalId = null)
{
    /// <summary>True when no part is given.</summary>
    public bool IsEmpty => SessionId is null && TaskId is null && StepSeq is null && MessageId is null && ExternalId is null;
}
