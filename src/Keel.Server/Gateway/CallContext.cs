namespace Keel.Server.Gateway;

/// <summary>Who a gateway call is for and where it lands in the journal.</summary>
/// <param name="Implicit">The client named no task: the call is a task of its own, opened and closed with it.</param>
public sealed record CallContext(
    string CustomerId,
    string ApiKeyId,
    string TaskId,
    int Seq,
    bool Implicit,
    string Agent,
    string? SessionId,
    string TraceId,
    string? ParentSpanId);
