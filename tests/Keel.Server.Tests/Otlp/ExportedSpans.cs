using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;

namespace Keel.Server.Tests.Otlp;

/// <summary>Reading received OTLP spans in tests.</summary>
internal static class ExportedSpans
{
    public static string Hex(this Google.Protobuf.ByteString id) => OtlpIds.ToHex(id) ?? "";

    public static AnyValue? Attribute(this Span span, string key) => span.Attributes.LastOrDefault(a => a.Key == key)?.Value;

    public static string? Text(this Span span, string key) => span.Attribute(key)?.StringValue;

    public static bool Has(this Span span, string key) => span.Attributes.Any(a => a.Key == key);
}
