using Keel.Sessions;

namespace Keel.Memory;

/// <summary>A session message that automatic ingestion has not turned into memory yet, with its session's customer.</summary>
public sealed record SessionMessageToIngest(string CustomerId, SessionMessage Message);
