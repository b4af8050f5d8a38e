using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.ChatClients;

/// <summary>
/// A chat client stage that puts every call through Keel's spine: routing, retries and fallbacks, budget caps,
/// tracing, metering and the durable journal, exactly as <see cref="TaskContext.ChatAsync(string, IReadOnlyList{ChatMessage}, ChatOptions?, CancellationToken)"/>
/// does. Agent code written against <see cref="IChatClient"/> (Microsoft Agent Framework, Semantic Kernel, plain
/// Microsoft.Extensions.AI) becomes durable without being handed a <see cref="TaskContext"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Inside a Keel task</b> (<see cref="TaskContext.Current"/> is set while an agent runs), a call is the task's next
/// journaled model step. On a resume, a step the journal holds returns its recorded answer without calling any model:
/// the agent's code must make its calls in the same order, as for every other step.
/// </para>
/// <para>
/// <b>Which model serves it</b>: the alias is <see cref="ChatOptions.ModelId"/>, else <see cref="DefaultModel"/>, else
/// the inner client's <see cref="ChatClientMetadata.DefaultModelId"/>. An alias the runtime's catalog routes is served
/// by that route's deployments, with their fallbacks, so one alias behaves the same through the gateway, a
/// <see cref="TaskContext"/> and this client; the inner client is then not called. Any other alias is served by the
/// inner client alone (retried, but with nothing to fall back to), asked for that model name, which must be in the
/// price table: an unpriced model is refused before the call, never counted as free.
/// </para>
/// <para>
/// <b>Outside a task</b> a call becomes a task of its own, one model step long, owned by <see cref="CustomerId"/>, as
/// the gateway does for calls that name no task: it is capped, traced and billed like any other. Without a customer
/// (or without a runtime to record into) the call is refused with <see cref="InvalidOperationException"/> rather than
/// run unrecorded, since a call nobody pays for and nobody can trace is what Keel exists to prevent.
/// </para>
/// <para>
/// <b>Streaming</b> runs the same journaled step and then streams its answer (<see cref="ChatResponse.ToChatResponseUpdates"/>),
/// so a replayed step streams the recorded answer. The first update arrives when the step has committed; fallbacks
/// therefore always happen before the first byte.
/// </para>
/// <para>
/// <b>Where to put it</b>: last in the pipeline, next to the provider, so each round trip of a function-invocation
/// loop is its own step. Stages between this one and the inner client only see aliases the catalog does not route.
/// </para>
/// </remarks>
public sealed class KeelChatClient : DelegatingChatClient
{
    private readonly ConcurrentDictionary<(AgentRuntime Runtime, string Alias), ResilientModelCaller> _innerRoutes = new();
    private readonly ChatClientMetadata? _innerMetadata;

    /// <param name="runtime">
    /// Where calls made outside a task are recorded; calls inside a task go to that task's runtime. Null refuses
    /// calls outside a task.
    /// </param>
    public KeelChatClient(IChatClient innerClient, AgentRuntime? runtime = null)
        : base(innerClient)
    {
        Runtime = runtime;
        _innerMetadata = innerClient.GetService<ChatClientMetadata>();
    }

    public AgentRuntime? Runtime { get; }

    /// <summary>The alias used when a request sets no <see cref="ChatOptions.ModelId"/>.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>
    /// The customer (a store id) who owns, and pays for, calls made outside a task. Null refuses such calls.
    /// </summary>
    public string? CustomerId { get; set; }

    /// <summary>The session that calls made outside a task belong to, if any.</summary>
    public string? SessionId { get; set; }

    /// <summary>The agent name of the one-step tasks opened for calls made outside a task.</summary>
    public string ImplicitAgent { get; set; } = "chat-client";

    /// <inheritdoc />
    /// <exception cref="ModelCallFailedException">No deployment could answer; the failed step is journaled first.</exception>
    /// <exception cref="Keel.Budgets.BudgetExceededException">A budget cannot cover the call's worst case; no model was called.</exception>
    /// <exception cref="InvalidOperationException">The call is outside a task and this client has no customer or runtime.</exception>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var alias = AliasFor(options);
        if (TaskContext.Current is { } context)
        {
            return await context.ChatAsync(CallerFor(context.Runtime, context.Task.ModelOverride ?? alias), alias, list, options, cancellationToken).ConfigureAwait(false);
        }

        return await RunImplicitTaskAsync(alias, list, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    private string AliasFor(ChatOptions? options) =>
        options?.ModelId ?? DefaultModel ?? _innerMetadata?.DefaultModelId
        ?? throw new InvalidOperationException(
            "No model to call: set ChatOptions.ModelId, give UseKeel a default model, or use an inner client whose metadata names its model.");

    /// <summary>The runtime's own caller for an alias its catalog routes; otherwise a route to the inner client alone.</summary>
    private ResilientModelCaller CallerFor(AgentRuntime runtime, string alias) =>
        runtime.Models.Catalog.Routes.Any(r => r.Alias == alias)
            ? runtime.Models
            : _innerRoutes.GetOrAdd((runtime, alias), static (key, self) => self.InnerRoute(key.Runtime, key.Alias), this);

    private ResilientModelCaller InnerRoute(AgentRuntime runtime, string alias)
    {
        var provider = _innerMetadata?.ProviderName ?? "chat-client";
        var deployment = new Deployment { Name = $"{provider}/{alias}", Model = alias, Provider = provider, Client = InnerClient };
        var catalog = new ModelCatalog([new ModelRoute(alias, [deployment])]);
        runtime.Meter.EnsurePriced(catalog);
        return new ResilientModelCaller(catalog, runtime.Models.Options, runtime.Time);
    }

    private async Task<ChatResponse> RunImplicitTaskAsync(string alias, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (Runtime is not { } runtime || CustomerId is not { } customerId)
        {
            throw new InvalidOperationException(
                "A Keel chat client was called outside a Keel task, and it has no customer to open a task for. Call it from an agent " +
                "that an AgentRuntime runs (RunAsync, or a worker), or give UseKeel a runtime and a CustomerId so each call becomes a one-step task.");
        }

        var agent = new ImplicitChatAgent(ImplicitAgent, CallerFor(runtime, alias), alias, messages, options);
        var input = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var task = await runtime.RunAsync(agent, input, customerId, SessionId, cancellationToken).ConfigureAwait(false);
        if (agent.Response is { } response)
        {
            return response;
        }

        agent.Error?.Throw(); // the model step's own exception (a budget refusal, a failed route), not a wrapper
        throw new InvalidOperationException($"Task {task.Id} ended {task.Status} without an answer: {task.Error}");
    }
}
