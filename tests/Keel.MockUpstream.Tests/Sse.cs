namespace Keel.MockUpstream.Tests;

internal sealed record SseEvent(string? Name, string Data);

/// <summary>A stream read to its end: the events that arrived, and the error that ended it early, if any.</summary>
internal sealed record SseRead(IReadOnlyList<SseEvent> Events, Exception? Error)
{
    public bool Done => Events.Count > 0 && Events[^1].Data == "[DONE]";

    public IEnumerable<string> Data => Events.Select(e => e.Data).Where(d => d != "[DONE]");
}

internal static class Sse
{
    public static async Task<SseRead> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        string? name = null;
        string? data = null;
        try
        {
            using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        events.Add(new SseEvent(name, data));
                    }

                    name = null;
                    data = null;
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
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
