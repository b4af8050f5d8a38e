using Keel.Context;
using Keel.Providers;
using Keel.Resilience;
using Keel.Routing;
using Keel.Server.Wire;
using Microsoft.Extensions.AI;

namespace Keel.Server.Upstreams;

/// <summary>
/// A provider reached through its <see cref="IChatClient"/> (the simulated models, Anthropic's SDK): the OpenAI
/// request is translated to Microsoft.Extensions.AI types and the answer back to OpenAI's wire shapes.
/// </summary>
public sealed class ChatClientUpstream(TimeProvider time) : IUpstream
{
    public async Task<UpstreamCompletion> CompleteAsync(ChatCompletionRequest request, Deployment deployment, ModelAttempt attempt, CancellationToken cancellationToken)
    {
        var messages = OpenAiChatReader.Messages(request.Messages);
        var response = await deployment.Client.GetResponseAsync(messages, OpenAiChatReader.Options(request.Body, deployment.Model), cancellationToken).ConfigureAwait(false);
        attempt.Usage = response.Usage;
        attempt.ResponseModel = response.ModelId;
        response.ResponseId ??= OpenAiChatWriter.NewId();
        var body = OpenAiChatWriter.Completion(response, deployment.Model, time);
        var result = MessageJson.Serialize(response.Messages.LastOrDefault() ?? new ChatMessage(ChatRole.Assistant, ""));
        return new UpstreamCompletion(body, response.ResponseId, OpenAiChatWriter.FinishReason(response.FinishReason), result);
    }

    public async Task<UpstreamStream> OpenStreamAsync(ChatCompletionRequest request, Deployment deployment, ModelAttempt attempt, CancellationToken attemptToken, CancellationToken streamToken)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(streamToken);
        try
        {
            using (attemptToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), lifetime))
            {
                var messages = OpenAiChatReader.Messages(request.Messages);
                var updates = deployment.Client.GetStreamingResponseAsync(messages, OpenAiChatReader.Options(request.Body, deployment.Model), lifetime.Token)
                    .GetAsyncEnumerator(lifetime.Token);
                var stream = new UpdateStream(updates, lifetime, request.ClientWantsUsage, deployment.Model, time.GetUtcNow().ToUnixTimeSeconds(), attempt);
                await stream.PrefetchAsync().ConfigureAwait(false);
                return stream;
            }
        }
        catch
        {
            lifetime.Dispose();
            throw;
        }
    }

    /// <summary>Streamed updates written as OpenAI chunks; usage comes last, as its own chunk, when the client asked.</summary>
    private sealed class UpdateStream(
        IAsyncEnumerator<ChatResponseUpdate> updates,
        CancellationTokenSource lifetime,
        bool clientWantsUsage,
        string model,
        long created,
        ModelAttempt attempt) : UpstreamStream(new StreamAccumulator())
    {
        private readonly string _id = OpenAiChatWriter.NewId();
        private readonly Queue<byte[]> _pending = new();
        private bool _first = true;
        private bool _ended;
        private int _toolIndex;

        public async Task PrefetchAsync() =>
            // Reading ahead until there is something to send makes an upstream failure before the first byte
            // visible here, inside the attempt, where it can still be retried.
            await FillAsync().ConfigureAwait(false);

        public override async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
        {
            if (_pending.Count == 0)
            {
                await FillAsync().ConfigureAwait(false);
            }

            // Not a conditional expression: a null byte[] would convert to an empty (non-null) ReadOnlyMemory.
            if (_pending.TryDequeue(out var chunk))
            {
                return chunk;
            }

            return null;
        }

        public override async ValueTask DisposeAsync()
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            lifetime.Dispose();
        }

        /// <summary>Reads updates until at least one chunk is pending, or the answer has ended.</summary>
        private async Task FillAsync()
        {
            while (_pending.Count == 0 && !_ended)
            {
                bool more;
                try
                {
                    more = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && ProviderErrors.Classify(ex) is { } classified)
                {
                    // Classified here, not only by the resilient caller: after the first chunk no attempt is left to
                    // do it, and the gateway ends a stream with an error (and a failed step) only on a ModelCallException.
                    throw classified;
                }

                if (!more)
                {
                    _ended = true;
                    if (Accumulator.Usage is { } usage && clientWantsUsage)
                    {
                        _pending.Enqueue(OpenAiChatWriter.UsageChunk(usage, _id, model, created));
                    }

                    attempt.Usage = Accumulator.Usage;
                    return;
                }

                var update = updates.Current;
                var usageContent = update.Contents.OfType<UsageContent>().FirstOrDefault();
                var hasPayload = update.Contents.Any(c => c is TextContent or FunctionCallContent) || update.FinishReason is not null || _first;
                if (hasPayload)
                {
                    var chunk = OpenAiChatWriter.Chunk(update, _id, model, created, _first, ref _toolIndex);
                    _first = false;
                    Accumulator.Add(chunk);
                    _pending.Enqueue(chunk);
                }

                if (usageContent is not null)
                {
                    Accumulator.Add(OpenAiChatWriter.UsageChunk(usageContent.Details, _id, model, created));
                }
            }
        }
    }
}
