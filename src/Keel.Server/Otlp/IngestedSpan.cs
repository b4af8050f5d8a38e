using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;

namespace Keel.Server.Otlp;

/// <summary>One received span, with the customer and service its resource names, and its attributes as Keel stores them.</summary>
internal sealed record IngestedSpan(Span Span, string CustomerId, string? ServiceName)
{
    public string TraceId { get; } = OtlpIds.ToHex(Span.TraceId)!;
    public string SpanId { get; } = OtlpIds.ToHex(Span.SpanId)!;
    public string? ParentSpanId { get; } = OtlpIds.ToHex(Span.ParentSpanId);
    public DateTimeOffset Start { get; } = OtlpIds.FromUnixNanos(Span.StartTimeUnixNano);

    /// <summary>Never before <see cref="Start"/>: a span with a clock running backwards ends where it starts.</summary>
    public DateTimeOffset End { get; } = OtlpIds.FromUnixNanos(Math.Max(Span.EndTimeUnixNano, Span.StartTimeUnixNano));

    public bool Failed => Span.Status?.Code == Status.Types.StatusCode.Error;

    public Dictionary<string, object?> Attributes { get; } = ReadAttributes(Span);

    public string? Text(string key) => Attributes.TryGetValue(key, out var value) ? value as string : null;

    /// <summary>A whole-number attribute, however the sender typed it (int, double, or text).</summary>
    public long Number(string key) => Attributes.TryGetValue(key, out var value) ? value switch
    {
        long l => Math.Max(0, l),
        double d when double.IsFinite(d) => (long)Math.Max(0, d),
        string s when long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => Math.Max(0, parsed),
        _ => 0,
    } : 0;

    private static Dictionary<string, object?> ReadAttributes(Span span)
    {
        var attributes = new Dictionary<string, object?>(span.Attributes.Count + 2, StringComparer.Ordinal);
        foreach (var attribute in span.Attributes)
        {
            attributes[attribute.Key] = OtlpValues.FromAnyValue(attribute.Value); // keys must be unique; a repeated one keeps its last value
        }

        return attributes;
    }
}
