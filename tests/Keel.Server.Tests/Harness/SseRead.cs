using System.Text.Json;
using Xunit;

namespace Keel.Server.Tests.Harness;

/// <summary>A server-sent event stream read to its end: the data lines that arrived and the error that cut it, if any.</summary>
internal sealed record SseRead(IReadOnlyList<string> Events, Exception? Error)
{
    public bool Done => Events.Count > 0 && Events[^1] == "[DONE]";

    /// <summary>The JSON payloads, without the [DONE] marker.</summary>
    public IReadOnlyList<JsonElement> Chunks => [.. Events.Where(e => e != "[DONE]").Select(e => JsonDocument.Parse(e).RootElement)];

    /// <summary>The streamed text, concatenated from every chunk's delta.content.</summary>
    public string Text => string.Concat(Chunks
        .Where(c => c.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0)
        .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
        .Select(d => d.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : ""));

    public static async Task<SseRead> ReadAsync(HttpResponseMessage response)
    {
        var events = new List<string>();
        try
        {
            using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add(line["data: ".Length..]);
                }
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return new SseRead(events, e);
        }

        return new SseRead(events, null);
    }
}
