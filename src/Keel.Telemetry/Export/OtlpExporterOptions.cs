using System.Globalization;
using System.Reflection;

namespace Keel.Telemetry.Export;

/// <summary>
/// Where and how Keel exports its spans, read from the standard OpenTelemetry environment variables so that Keel
/// is configured like any other OpenTelemetry SDK: the <c>OTEL_EXPORTER_OTLP_*</c> exporter settings, the batch
/// settings (<c>OTEL_BSP_*</c>), the resource (<c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>), and the
/// opt-in to message content (<c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c>).
/// </summary>
public sealed record OtlpExporterOptions
{
    /// <summary>The specification's default endpoint for OTLP over HTTP.</summary>
    public static readonly Uri DefaultEndpoint = new("http://localhost:4318/v1/traces");

    /// <summary>The full URL spans are posted to, <c>/v1/traces</c> included.</summary>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    public OtlpProtocol Protocol { get; init; } = OtlpProtocol.HttpProtobuf;

    /// <summary>Headers sent with every export (an API key, say): <c>OTEL_EXPORTER_OTLP_HEADERS</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>How long one export request may take: <c>OTEL_EXPORTER_OTLP_TIMEOUT</c> (10 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gzip the body: <c>OTEL_EXPORTER_OTLP_COMPRESSION=gzip</c>.</summary>
    public bool Gzip { get; init; }

    /// <summary>
    /// Spans waiting to be sent, at most (<c>OTEL_BSP_MAX_QUEUE_SIZE</c>, 2048): past it new spans are dropped and
    /// counted, so a slow or absent collector never slows recording down or grows memory.
    /// </summary>
    public int MaxQueueSize { get; init; } = 2048;

    /// <summary>How long a span may wait for its batch to fill: <c>OTEL_BSP_SCHEDULE_DELAY</c> (5 s).</summary>
    public TimeSpan ScheduleDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Spans per export request, at most: <c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c> (512).</summary>
    public int MaxExportBatchSize { get; init; } = 512;

    /// <summary>How long one batch may take, retries included: <c>OTEL_BSP_EXPORT_TIMEOUT</c> (30 s).</summary>
    public TimeSpan ExportTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first wait before retrying a failed export; it grows exponentially, with jitter.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Export attempts per batch, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The resource every span is reported under: <c>service.name</c> and the rest.</summary>
    public IReadOnlyDictionary<string, object> Resource { get; init; } = DefaultResource(new Dictionary<string, object>());

    /// <summary>
    /// Adds the messages each model call saw and answered (and tool results) to the spans, as the gen_ai semantic
    /// conventions' opt-in content attributes. Off by default: prompts hold personal data and secrets.
    /// </summary>
    public bool CaptureMessageContent { get; init; }

    /// <summary>
    /// The options the environment asks for; null when it asks for no export: neither endpoint variable is set
    /// (and <c>OTEL_TRACES_EXPORTER</c> does not name <c>otlp</c>), or <c>OTEL_TRACES_EXPORTER=none</c>, or
    /// <c>OTEL_SDK_DISABLED=true</c>. A value the specification does not allow is ignored with a warning, as the
    /// specification asks, rather than stopping the program.
    /// </summary>
    /// <param name="variables">Reads a variable; the process environment when null.</param>
    /// <param name="warnings">Receives a sentence per ignored value.</param>
    public static OtlpExporterOptions? FromEnvironment(Func<string, string?>? variables = null, ICollection<string>? warnings = null)
    {
        variables ??= Environment.GetEnvironmentVariable;
        warnings ??= [];
        string? Get(string name) => variables(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var exporters = Get("OTEL_TRACES_EXPORTER")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (string.Equals(Get("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase)
            || (exporters.Length > 0 && !exporters.Contains("otlp", StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }

        var signalEndpoint = Get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var endpoint = Get("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (signalEndpoint is null && endpoint is null && exporters.Length == 0)
        {
            return null;
        }

        var headers = ParseHeaders(Get("OTEL_EXPORTER_OTLP_HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS", warnings);
        foreach (var (name, value) in ParseHeaders(Get("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), "OTEL_EXPORTER_OTLP_TRACES_HEADERS", warnings))
        {
            headers[name] = value; // the signal's own setting wins
        }

        var resource = ParseHeaders(Get("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES", warnings)
            .ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal);
        if (Get("OTEL_SERVICE_NAME") is { } serviceName)
        {
            resource["service.name"] = serviceName;
        }

        var protocol = Get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? Get("OTEL_EXPORTER_OTLP_PROTOCOL");
        var compression = Get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION") ?? Get("OTEL_EXPORTER_OTLP_COMPRESSION");
        return new OtlpExporterOptions
        {
            Endpoint = TracesEndpoint(signalEndpoint, endpoint, warnings),
            Protocol = protocol switch
            {
                null or "http/protobuf" => OtlpProtocol.HttpProtobuf,
                "http/json" => OtlpProtocol.HttpJson,
                "grpc" => Ignored(OtlpProtocol.HttpProtobuf, warnings,
                    "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported by Keel: exporting with http/protobuf (a collector listens for it on port 4318)."),
                _ => Ignored(OtlpProtocol.HttpProtobuf, warnings, $"OTEL_EXPORTER_OTLP_PROTOCOL \"{protocol}\" is not http/protobuf or http/json: using http/protobuf."),
            },
            Headers = headers,
            Timeout = Millis(Get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") ?? Get("OTEL_EXPORTER_OTLP_TIMEOUT"), "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000, warnings),
            Gzip = compression switch
            {
                null or "none" => false,
                "gzip" => true,
                _ => Ignored(false, warnings, $"OTEL_EXPORTER_OTLP_COMPRESSION \"{compression}\" is not gzip or none: sending uncompressed."),
            },
            MaxQueueSize = Positive(Get("OTEL_BSP_MAX_QUEUE_SIZE"), "OTEL_BSP_MAX_QUEUE_SIZE", 2048, warnings),
            ScheduleDelay = Millis(Get("OTEL_BSP_SCHEDULE_DELAY"), "OTEL_BSP_SCHEDULE_DELAY", 5000, warnings),
            MaxExportBatchSize = Positive(Get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"), "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, warnings),
            ExportTimeout = Millis(Get("OTEL_BSP_EXPORT_TIMEOUT"), "OTEL_BSP_EXPORT_TIMEOUT", 30_000, warnings),
            Resource = DefaultResource(resource),
            CaptureMessageContent = string.Equals(Get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"), "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>
    /// The URL to post to. The signal's own variable is used as given; the general one is a base to which
    /// <c>v1/traces</c> is appended (after a '/', added when missing), as the specification says.
    /// </summary>
    internal static Uri TracesEndpoint(string? signalEndpoint, string? endpoint, ICollection<string> warnings)
    {
        if (signalEndpoint is not null && AbsoluteHttp(signalEndpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", warnings) is { } signalUri)
        {
            return signalUri;
        }

        if (endpoint is null || AbsoluteHttp(endpoint, "OTEL_EXPORTER_OTLP_ENDPOINT", warnings) is not { } baseUri)
        {
            return DefaultEndpoint;
        }

        var builder = new UriBuilder(baseUri);
        builder.Path = builder.Path.EndsWith('/') ? builder.Path + "v1/traces" : builder.Path + "/v1/traces";
        return builder.Uri;
    }

    private static Uri? AbsoluteHttp(string value, string variable, ICollection<string> warnings) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : Ignored<Uri?>(null, warnings, $"{variable} \"{value}\" is not an absolute http:// or https:// URL: ignored.");

    /// <summary>
    /// <c>key1=value1,key2=value2</c>, keys and values percent-decoded (the W3C baggage form the specification
    /// uses). A pair without '=' is ignored.
    /// </summary>
    internal static Dictionary<string, string> ParseHeaders(string? value, string variable, ICollection<string> warnings)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                warnings.Add($"{variable}: \"{pair}\" is not a key=value pair: ignored.");
                continue;
            }

            headers[Uri.UnescapeDataString(pair[..equals].Trim())] = Uri.UnescapeDataString(pair[(equals + 1)..].Trim());
        }

        return headers;
    }

    private static T Ignored<T>(T fallback, ICollection<string> warnings, string warning)
    {
        warnings.Add(warning);
        return fallback;
    }

    private static Dictionary<string, object> DefaultResource(Dictionary<string, object> resource)
    {
        resource.TryAdd("service.name", "keel");
        resource["telemetry.sdk.name"] = "keel";
        resource["telemetry.sdk.language"] = "dotnet";
        resource["telemetry.sdk.version"] = Version;
        return resource;
    }

    internal static string Version { get; } =
        typeof(OtlpExporterOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static TimeSpan Millis(string? value, string variable, int fallback, ICollection<string> warnings) =>
        TimeSpan.FromMilliseconds(Positive(value, variable, fallback, warnings));

    private static int Positive(string? value, string variable, int fallback, ICollection<string> warnings) =>
        value is null ? fallback
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed
        : Ignored(fallback, warnings, $"{variable} \"{value}\" is not a positive whole number: using {fallback.ToString(CultureInfo.InvariantCulture)}.");
}
