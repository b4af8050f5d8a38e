using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;

namespace Keel.Server.Otlp;

/// <summary>
/// One received span, with the customer and service its resource names, the API key that sent it, and its attributes
/// as Keel stores them.
/// </summary>
internal sealed class IngestedSpan(Span span, string customerId, string? serviceName, string? apiKeyId)
{
    public Span Span { get; } = span;
    public string CustomerId { get; } = customerId;
    public string? ServiceName { get; } = serviceName;

    /// <summary>The key the span was sent with, which its usage is attributed to; null for the admin token.</summary>
    public string? ApiKeyId { get; } = apiKeyId;

    public string TraceId { get; } = OtlpIds.ToHex(span.TraceId)!;
    public string SpanId { get; } = OtlpIds.ToHex(span.SpanId)!;
    public string? ParentSpanId { get; } = OtlpIds.ToHex(span.ParentSpanId);
    public DateTimeOffset Start { get; } = OtlpIds.FromUnixNanos(span.StartTimeUnixNano);

    /// <summary>Never before <see cref="Start"/>: a span with a clock running backwards ends where it starts.</summary>
    public DateTimeOffset End { get; } = OtlpIds.FromUnixNanos(Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano));

    public bool Failed => Span.Status?.Code == Status.Types.StatusCode.Error;

    public Dictionary<string, object?> Attributes { get; } = ReadAttributes(span);

    /// <summary><c>gen_ai.operation.name</c>, read once (empty when absent): the mapping asks for it several times per span.</summary>
    public string Operation => _operation ??= Text(GenAiAttributes.OperationName) ?? "";

    private string? _operation;

    // Attributes the mapping moved out of the stored span (into a step's result or context snapshot), still readable:
    // a batch whose commit failed is planned again from the same spans.
    private Dictionary<string, object?>? _taken;

    public string? Text(string key) => Value(key) as string;

    /// <summary>Removes an attribute from what is stored with the span, and returns it; <see cref="Text"/> still reads it.</summary>
    public object? Take(string key)
    {
        if (Attributes.Remove(key, out var value))
        {
            (_taken ??= new(StringComparer.Ordinal))[key] = value;
            return value;
        }

        return _taken?.GetValueOrDefault(key);
    }

    private object? Value(string key) =>
        Attributes.TryGetValue(key, out var value) ? value : _taken?.GetValueOrDefault(key);

    /// <summary>A whole-number attribute, however the sender typed it (int, double, or text).</summary>
    public long Number(string key) => Value(key) switch
    {
        long l => Math.Max(0, l),
        double d when double.IsFinite(d) => (long)Math.Max(0, d),
        string s when long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => Math.Max(0, parsed),
        _ => 0,
    };

    /// <summary>Steps in the order they happened: by start, then by end (a call that ended before another started in the
    /// same clock tick came first), then by span id only so that the order is stable.</summary>
    public static int InOrder(IngestedSpan a, IngestedSpan b)
    {
        var byStart = a.Start.CompareTo(b.Start);
        if (byStart != 0)
        {
            return byStart;
        }

        var byEnd = a.End.CompareTo(b.End);
        return byEnd != 0 ? byEnd : string.CompareOrdinal(a.SpanId, b.SpanId);
    }

    private static Dictionary<string, object?> ReadAttributes(Span span)
    {
        // Room for the two attributes the mapping adds (keel.source, and service.name or the cost).
        var attributes = new Dictionary<string, object?>(span.Attributes.Count + 3, StringComparer.Ordinal);
        foreach (var attribute in span.Attributes)
        {
            attributes[attribute.Key] = OtlpValues.FromAnyValue(attribute.Value); // keys must be unique; a repeated one keeps its last value
        }

        return attributes;
    }
}
