namespace Keel.AgentFramework;

/// <summary>What an agent session remembers of Keel: which Keel session holds its conversation.</summary>
public sealed class KeelSessionState
{
    public required string SessionId { get; init; }
}
