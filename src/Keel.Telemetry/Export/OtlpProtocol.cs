namespace Keel.Telemetry.Export;

/// <summary>How spans travel to the endpoint: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
public enum OtlpProtocol
{
    /// <summary><c>http/protobuf</c>, the specification's default.</summary>
    HttpProtobuf,

    /// <summary><c>http/json</c>.</summary>
    HttpJson,
}
