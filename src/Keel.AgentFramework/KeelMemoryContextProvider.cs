using Keel.Memory;
using Keel.Tasks;
using Keel.Memory.Context;
using Keel.Memory.Ingestion;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace Keel.AgentFramework;

/// <summary>
/// Gives a Microsoft Agent Framework agent Keel's memory: before each run it injects the memories relevant to the
/// caller's new message (from this and the customer's other sessions, packed into a token budget by the
/// <see cref="ContextAssembler"/>), and after a successful run it stores the run's new messages as episodic memory.
/// </summary>
/// <remarks>
/// The agent session is bound to a Keel session through the state entry <see cref="KeelChatHistoryProvider"/> keeps
/// (<see cref="KeelMemoryContextOptions.SessionStateKey"/>), so used together they share one session: the history provider sends the recent turns, this provider what
/// came before and elsewhere. Memories that repeat a message already in the request are left out. A turn stored
/// here and again by background ingestion of the session is stored once (same text, same scope).
/// One provider serves one customer, as each agent run is for one.
/// </remarks>
public sealed class KeelMemoryContextProvider : AIContextProvider
{
    private readonly ContextAssembler _assembler;
    private readonly MemoryService _memory;
    private readonly string _customerId;
    private readonly KeelMemoryContextOptions _options;
    private readonly ProviderSessionState<KeelSessionState> _state;

    public KeelMemoryContextProvider(MemoryService memory, ContextAssembler assembler, string customerId, KeelMemoryContextOptions? options = null)
        : base(provideInputMessageFilter: static messages => messages, storeInputRequestMessageFilter: null, storeInputResponseMessageFilter: null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(assembler);
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        _memory = memory;
        _assembler = assembler;
        _customerId = customerId;
        _options = options ?? new KeelMemoryContextOptions();
        _state = new ProviderSessionState<KeelSessionState>(
            _ => new KeelSessionState { SessionId = KeelIds.NewSessionId() }, _options.SessionStateKey, AgentFrameworkJson.Default.Options);
    }

    public override IReadOnlyList<string> StateKeys => [_options.StateKey];

    /// <summary>The context injected into the latest run: what it held, what was left out and why.</summary>
    public AssembledContext? LastContext { get; private set; }

    /// <summary>The Keel session this agent session's memories are scoped to (assigned on first use).</summary>
    public string GetKeelSessionId(AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var state = _state.GetOrInitializeState(session);
        _state.SaveState(session, state);
        return state.SessionId;
    }

    protected override async ValueTask<AIContext> ProvideAIContextAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sessionId = GetKeelSessionId(context.Session ?? throw new InvalidOperationException("Keel scopes memory per agent session; run the agent with a session."));
        var request = context.AIContext.Messages?.ToList() ?? [];
        var query = request.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        var options = _options.Context with { AlreadyInContext = [.. _options.Context.AlreadyInContext, .. request] };
        var assembled = await _assembler.BuildContextAsync(_customerId, sessionId, query, _options.TokenBudget, options, cancellationToken).ConfigureAwait(false);
        LastContext = assembled;
        return new AIContext { Messages = assembled.Messages };
    }

    protected override async ValueTask StoreAIContextAsync(InvokedContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.IngestMessages)
        {
            return;
        }

        var sessionId = GetKeelSessionId(context.Session ?? throw new InvalidOperationException("Keel scopes memory per agent session; run the agent with a session."));
        var now = _options.TimeProvider.GetUtcNow();
        var memories = context.RequestMessages.Concat(context.ResponseMessages ?? [])
            .Select(m => SessionTurnMemory.From(_customerId, sessionId, m, now))
            .OfType<NewMemory>()
            .ToList();
        if (memories.Count > 0)
        {
            await _memory.AddAsync(memories, cancellationToken).ConfigureAwait(false);
        }
    }
}
