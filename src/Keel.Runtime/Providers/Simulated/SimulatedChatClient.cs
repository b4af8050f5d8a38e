using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Keel.Context;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Providers.Simulated;

/// <summary>
/// An <see cref="IChatClient"/> that behaves like a hosted model without one: latency, token usage, tool calls
/// from a script, and injected faults. Deterministic for a seed: every draw comes from a random source keyed on
/// the seed, the request's content, and how many times that same request was seen before (so a retry of a
/// request that failed draws afresh, and the whole run replays identically).
/// </summary>
public sealed class SimulatedChatClient : IChatClient
{
    /// <summary>
    /// <see cref="ChatOptions.AdditionalProperties"/> key choosing the script: an <see cref="ISimulationScript"/>
    /// instance, or the name of one registered with the client.
    /// </summary>
    public const string ScriptKey = "keel.simulation.script";

    private readonly SimulatedModelOptions _options;
    private readonly IReadOnlyDictionary<string, ISimulationScript> _scripts;
    private readonly TimeProvider _time;
    // Null until a call needs it: the o200k tokenizer costs ~55 MiB, and a server that only configures simulated models
    // (for its sample agents' workers) should not pay it at start-up.
    private readonly TokenCounter? _givenTokens;
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);

    public SimulatedChatClient(
        SimulatedModelOptions options,
        IReadOnlyDictionary<string, ISimulationScript>? scripts = null,
        TimeProvider? timeProvider = null,
        TokenCounter? tokens = null)
    {
        _options = options;
        _scripts = scripts ?? new Dictionary<string, ISimulationScript>();
        _time = timeProvider ?? TimeProvider.System;
        _givenTokens = tokens;
    }

    public SimulatedModelOptions Options => _options;

    private TokenCounter Tokens => _givenTokens ?? TokenCounter.O200k;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var call = Plan(messages, options);
        await DelayAsync(call.TimeToFirstToken, cancellationToken).ConfigureAwait(false);
        await call.ThrowInjectedFaultAsync(this, cancellationToken).ConfigureAwait(false);
        await DelayAsync(_options.Latency.Generation(call.OutputTokens), cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, call.Contents))
        {
            ResponseId = call.ResponseId,
            ModelId = _options.Model,
            CreatedAt = _time.GetUtcNow(),
            FinishReason = call.FinishReason,
            Usage = call.Usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = Plan(messages, options);
        await DelayAsync(call.TimeToFirstToken, cancellationToken).ConfigureAwait(false);
        await call.ThrowInjectedFaultAsync(this, cancellationToken).ConfigureAwait(false);

        var chunks = call.StreamChunks();
        var perChunk = _options.Latency.Generation(Math.Max(1, call.OutputTokens / Math.Max(1, chunks.Count)));
        for (var i = 0; i < chunks.Count; i++)
        {
            if (call.CutStream && i == chunks.Count / 2 && i > 0)
            {
                throw new ModelCallException(ModelErrorKind.Connection, "The simulated stream was cut mid-answer.");
            }

            yield return Update(call, [chunks[i]]);
            await DelayAsync(perChunk, cancellationToken).ConfigureAwait(false);
        }

        var last = Update(call, [new UsageContent(call.Usage)]);
        last.FinishReason = call.FinishReason;
        yield return last;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("simulated", defaultModelId: _options.Model)
        : null;

    public void Dispose()
    {
    }

    private ChatResponseUpdate Update(SimulatedCall call, IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = call.ResponseId,
        MessageId = call.ResponseId,
        ModelId = _options.Model,
        CreatedAt = _time.GetUtcNow(),
    };

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, cancellationToken);

    private SimulatedCall Plan(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var tools = options?.Tools?.ToList() ?? [];
        var random = RandomFor(history);
        var promptTokens = Tokens.CountPrompt(history, tools);

        // Draw everything up front, in a fixed order, so the run does not depend on which branch is taken.
        var firstToken = _options.Latency.TimeToFirstToken(random);
        var faultDraw = random.NextDouble();
        var cutDraw = random.NextDouble();
        var turn = ScriptFor(options).NextTurn(history, tools, random);

        var maxOutput = options?.MaxOutputTokens ?? _options.MaxOutputTokens;
        var text = turn.Text;
        var finish = turn.ToolCalls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;
        if (turn.ToolCalls.Count == 0 && Tokens.Count(text) > maxOutput)
        {
            text = Truncate(text, maxOutput);
            finish = ChatFinishReason.Length;
        }

        var outputTokens = Tokens.Count(text) + turn.ToolCalls.Sum(c => Tokens.Count(c.Name) + Tokens.Count(Json.Arguments(c.Arguments)));
        var contents = new List<AIContent>();
        if (text.Length > 0)
        {
            contents.Add(new TextContent(text));
        }

        contents.AddRange(turn.ToolCalls);
        return new SimulatedCall
        {
            ResponseId = $"chatcmpl-sim{random.NextInt64():x16}",
            PromptTokens = promptTokens,
            OutputTokens = outputTokens,
            Contents = contents,
            FinishReason = finish,
            TimeToFirstToken = firstToken,
            Fault = Fault(promptTokens, faultDraw),
            CutStream = cutDraw < _options.Faults.StreamCut,
        };
    }

    private InjectedFault Fault(int promptTokens, double draw)
    {
        if (promptTokens > _options.ContextWindow)
        {
            return InjectedFault.ContextLength;
        }

        var faults = _options.Faults;
        return draw switch
        {
            _ when draw < faults.RateLimited => InjectedFault.RateLimited,
            _ when draw < faults.RateLimited + faults.ServerError => InjectedFault.ServerError,
            _ when draw < faults.RateLimited + faults.ServerError + faults.Unavailable => InjectedFault.Unavailable,
            _ when draw < faults.RateLimited + faults.ServerError + faults.Unavailable + faults.Timeout => InjectedFault.Hang,
            _ => InjectedFault.None,
        };
    }

    private ISimulationScript ScriptFor(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ScriptKey, out var value) == true
            ? value switch
            {
                ISimulationScript script => script,
                string name when _scripts.TryGetValue(name, out var named) => named,
                _ => ToolsInOrderScript.Instance,
            }
            : ToolsInOrderScript.Instance;

    private Random RandomFor(IReadOnlyList<ChatMessage> history)
    {
        var request = new StringBuilder(_options.Model);
        foreach (var message in history)
        {
            request.Append('\n').Append(MessageJson.Serialize(message));
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(request.ToString())));
        var occurrence = _seen.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (_seen.Count > 100_000)
        {
            _seen.Clear(); // bounded memory for long-running gateways; determinism holds within a run of that size
        }

        // A stable hash (HashCode is randomised per process), so a seed replays across runs.
        var draw = SHA256.HashData(Encoding.UTF8.GetBytes($"{_options.Seed}|{key}|{occurrence}"));
        return new Random(BitConverter.ToInt32(draw));
    }

    private string Truncate(string text, int maxTokens)
    {
        var words = text.Split(' ');
        var kept = words.Length;
        while (kept > 0 && Tokens.Count(string.Join(' ', words.Take(kept))) > maxTokens)
        {
            kept = kept * 3 / 4;
        }

        return string.Join(' ', words.Take(kept));
    }

    private enum InjectedFault
    {
        None,
        ContextLength,
        RateLimited,
        ServerError,
        Unavailable,
        Hang,
    }

    private sealed class SimulatedCall
    {
        public required string ResponseId { get; init; }
        public required int PromptTokens { get; init; }
        public required int OutputTokens { get; init; }
        public required List<AIContent> Contents { get; init; }
        public required ChatFinishReason FinishReason { get; init; }
        public required TimeSpan TimeToFirstToken { get; init; }
        public required InjectedFault Fault { get; init; }
        public required bool CutStream { get; init; }

        public UsageDetails Usage => new()
        {
            InputTokenCount = PromptTokens,
            OutputTokenCount = OutputTokens,
            TotalTokenCount = PromptTokens + OutputTokens,
        };

        public async Task ThrowInjectedFaultAsync(SimulatedChatClient client, CancellationToken cancellationToken)
        {
            switch (Fault)
            {
                case InjectedFault.ContextLength:
                    throw new ModelCallException(ModelErrorKind.ContextLengthExceeded,
                        $"This model's maximum context length is {client._options.ContextWindow} tokens; the messages use {PromptTokens}.", 400);
                case InjectedFault.RateLimited:
                    throw new ModelCallException(ModelErrorKind.RateLimited, "Rate limit reached (simulated).", 429, client._options.Faults.RetryAfter);
                case InjectedFault.ServerError:
                    throw new ModelCallException(ModelErrorKind.ServerError, "The server had an error while processing your request (simulated).", 500);
                case InjectedFault.Unavailable:
                    throw new ModelCallException(ModelErrorKind.ServerError, "The engine is currently overloaded (simulated).", 503);
                case InjectedFault.Hang:
                    await Task.Delay(Timeout.InfiniteTimeSpan, client._time, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        /// <summary>The answer cut into stream deltas of a few words each; tool calls come whole.</summary>
        public List<AIContent> StreamChunks()
        {
            var chunks = new List<AIContent>();
            foreach (var content in Contents)
            {
                if (content is TextContent text)
                {
                    var words = text.Text.Split(' ');
                    for (var i = 0; i < words.Length; i += 4)
                    {
                        var piece = string.Join(' ', words.Skip(i).Take(4));
                        chunks.Add(new TextContent(i + 4 < words.Length ? piece + " " : piece));
                    }
                }
                else
                {
                    chunks.Add(content);
                }
            }

            return chunks;
        }
    }
}
