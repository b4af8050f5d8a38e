using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Keel.Providers;
using Keel.Resilience;
using Keel.Routing;
using Keel.Server.Wire;

namespace Keel.Server.Upstreams;

/// <summary>
/// Any OpenAI-compatible HTTP API. Requests and answers pass through as bytes (only the model name and the usage
/// request change), so fields Keel does not know reach the upstream and the client unchanged.
/// </summary>
public sealed class OpenAiUpstream(HttpClient http, Uri baseUrl, string? apiKey, TimeProvider time) : IUpstream
{
    private static readonly MediaTypeHeaderValue JsonContent = new("application/json");
    private readonly Uri _endpoint = new(baseUrl.ToString().TrimEnd('/') + "/chat/completions");

    public async Task<UpstreamCompletion> CompleteAsync(ChatCompletionRequest request, Deployment deployment, ModelAttempt attempt, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, deployment, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var answer = Read(body);
        attempt.Usage = answer.Usage;
        attempt.ResponseModel = answer.Model;
        return new UpstreamCompletion(body, answer.Id, answer.FinishReason, answer.Message);
    }

    public async Task<UpstreamStream> OpenStreamAsync(ChatCompletionRequest request, Deployment deployment, ModelAttempt attempt, CancellationToken attemptToken, CancellationToken streamToken)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(streamToken);
        HttpResponseMessage? response = null;
        try
        {
            // The attempt's deadline covers opening and the first event only; after that the stream lives as long as the client.
            using (attemptToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), lifetime))
            {
                response = await SendAsync(request, deployment, lifetime.Token).ConfigureAwait(false);
                var events = SseParser.Create(await response.Content.ReadAsStreamAsync(lifetime.Token).ConfigureAwait(false)).EnumerateAsync(lifetime.Token).GetAsyncEnumerator(lifetime.Token);
                var stream = new SseUpstreamStream(response, events, lifetime, request.ClientWantsUsage, attempt);
                await stream.PrefetchAsync().ConfigureAwait(false);
                return stream;
            }
        }
        catch
        {
            response?.Dispose();
            lifetime.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(ChatCompletionRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(request.ForUpstream(deployment.Model)) { Headers = { ContentType = JsonContent } },
        };
        if (apiKey is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorFromAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ModelCallException> ErrorFromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string message = $"Upstream answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        string? code = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : message;
                code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the status alone classifies it.
        }

        var retryAfter = ProviderErrors.RetryAfter(
            response.Headers.TryGetValues("retry-after-ms", out var ms) ? ms.FirstOrDefault() : null,
            response.Headers.RetryAfter?.Delta is { } delta ? delta.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : response.Headers.RetryAfter?.Date?.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            time.GetUtcNow());
        return ProviderErrors.FromStatus((int)response.StatusCode, message, retryAfter, body, code);
    }

    private static OpenAiAnswer Read(byte[] body)
    {
        try
        {
            return OpenAiAnswer.Read(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new ModelCallException(ModelErrorKind.ServerError, $"The upstream's answer is not JSON: {ex.Message}", 502);
        }
    }

    /// <summary>An upstream's SSE stream, passed through event by event.</summary>
    private sealed class SseUpstreamStream(
        HttpResponseMessage response,
        IAsyncEnumerator<SseItem<string>> events,
        CancellationTokenSource lifetime,
        bool clientWantsUsage,
        ModelAttempt attempt) : UpstreamStream(new StreamAccumulator())
    {
        private ReadOnlyMemory<byte>? _prefetched;
        private bool _done;

        public async Task PrefetchAsync() => _prefetched = await NextAsync().ConfigureAwait(false);

        public override async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
        {
            if (_prefetched is { } first)
            {
                _prefetched = null;
                return first;
            }

            return await NextAsync().ConfigureAwait(false);
        }

        public override async ValueTask DisposeAsync()
        {
            await events.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
            lifetime.Dispose();
        }

        private async Task<ReadOnlyMemory<byte>?> NextAsync()
        {
            while (!_done)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new ModelCallException(ModelErrorKind.Connection, "The upstream stream was cut before its end.", inner: ex);
                }

                if (!more)
                {
                    throw new ModelCallException(ModelErrorKind.Connection, "The upstream stream ended without [DONE].");
                }

                var data = events.Current.Data;
                if (data == "[DONE]")
                {
                    _done = true;
                    attempt.Usage = Accumulator.Usage;
                    return null;
                }

                if (string.IsNullOrWhiteSpace(data))
                {
                    continue;
                }

                var bytes = Encoding.UTF8.GetBytes(data);
                bool usageOnly;
                try
                {
                    usageOnly = Accumulator.Add(bytes);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
                {
                    throw new ModelCallException(ModelErrorKind.ServerError, $"The upstream sent a chunk Keel cannot read: {ex.Message}", 502);
                }

                if (usageOnly && !clientWantsUsage)
                {
                    continue; // Keel asked for it to price the call; the client did not.
                }

                return bytes;
            }

            return null;
        }
    }
}
