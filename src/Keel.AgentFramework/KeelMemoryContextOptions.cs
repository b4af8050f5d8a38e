using Keel.Memory.Context;

namespace Keel.AgentFramework;

/// <summary>How <see cref="KeelMemoryContextProvider"/> assembles memory for an agent run and learns from it.</summary>
public sealed record KeelMemoryContextOptions
{
    /// <summary>The most tokens the injected context may take (o200k_base with per-message framing).</summary>
    public int TokenBudget { get; init; } = 1000;

    /// <summary>
    /// How the context is assembled. By default memories only: the agent's chat history provider (Keel's or the
    /// framework's) already sends the recent turns, and memories that repeat them are left out.
    /// </summary>
    public ContextAssemblyOptions Context { get; init; } = ContextAssemblyOptions.Default with { IncludeRecentTurns = false, IncludeSummary = false };

    /// <summary>Whether the run's new messages (the caller's input and the response) become episodic memory at once.</summary>
    public bool IngestMessages { get; init; } = true;

    /// <summary>
    /// The agent session state-bag key of the Keel session id: the same as <see cref="KeelChatHistoryOptions.StateKey"/>,
    /// so both providers bind to one session whichever runs first.
    /// </summary>
    public string SessionStateKey { get; init; } = "keel.session";

    /// <summary>The key this provider declares to the framework, which wants each provider's keys distinct.</summary>
    public string StateKey { get; init; } = "keel.memory";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
