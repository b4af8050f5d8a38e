using Keel.Sessions;

namespace Keel.AgentFramework;

/// <summary>How <see cref="KeelChatHistoryProvider"/> bounds and stamps the history it keeps.</summary>
public sealed record KeelChatHistoryOptions
{
    /// <summary>How much history a run starts with; the same policy Keel's own agents use.</summary>
    public SessionHistoryPolicy History { get; init; } = SessionHistoryPolicy.Default;

    /// <summary>The agent session state-bag key that holds the Keel session id.</summary>
    public string StateKey { get; init; } = "keel.session";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
