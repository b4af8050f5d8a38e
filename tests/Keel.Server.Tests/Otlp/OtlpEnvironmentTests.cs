using Keel.Telemetry.Export;
using Xunit;

namespace Keel.Server.Tests.Otlp;

/// <summary>The exporter is configured by the OpenTelemetry specification's environment variables, with its defaults and rules.</summary>
public sealed class OtlpEnvironmentTests
{
    [Fact]
    public void Without_an_endpoint_nothing_is_exported()
    {
        Assert.Null(OtlpExporterOptions.FromEnvironment(Variables()));
        Assert.Null(OtlpExporterOptions.FromEnvironment(Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_TRACES_EXPORTER", "none"))));
        Assert.Null(OtlpExporterOptions.FromEnvironment(Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_SDK_DISABLED", "true"))));
    }

    [Fact]
    public void The_general_endpoint_gets_v1_traces_appended_and_the_traces_endpoint_is_used_as_given()
    {
        Assert.Equal("http://collector:4318/v1/traces", Endpoint(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")));
        Assert.Equal("http://collector:4318/v1/traces", Endpoint(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")));
        Assert.Equal("https://gw.example/otlp/v1/traces", Endpoint(("OTEL_EXPORTER_OTLP_ENDPOINT", "https://gw.example/otlp")));
        Assert.Equal("http://other:9999/custom", Endpoint(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://other:9999/custom")));
        Assert.Equal("http://localhost:4318/v1/traces", Endpoint(("OTEL_TRACES_EXPORTER", "otlp")));
    }

    [Fact]
    public void Headers_protocol_compression_batching_resource_and_content_capture_are_read()
    {
        var options = OtlpExporterOptions.FromEnvironment(Variables(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D%3D, x-team = agents"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-team=traces"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_SCHEDULE_DELAY", "250"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50"),
            ("OTEL_SERVICE_NAME", "support-bot"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,service.name=ignored"),
            ("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")))!;

        Assert.Equal("abc==", options.Headers["api-key"]);
        Assert.Equal("traces", options.Headers["x-team"]);
        Assert.Equal((OtlpProtocol.HttpJson, true), (options.Protocol, options.Gzip));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.Timeout);
        Assert.Equal((100, TimeSpan.FromMilliseconds(250), 50), (options.MaxQueueSize, options.ScheduleDelay, options.MaxExportBatchSize));
        Assert.Equal("support-bot", options.Resource["service.name"]);
        Assert.Equal("prod", options.Resource["deployment.environment.name"]);
        Assert.True(options.CaptureMessageContent);
    }

    [Fact]
    public void Defaults_follow_the_specification_and_content_is_off()
    {
        var options = OtlpExporterOptions.FromEnvironment(Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")))!;

        Assert.Equal((OtlpProtocol.HttpProtobuf, false, false), (options.Protocol, options.Gzip, options.CaptureMessageContent));
        Assert.Equal((TimeSpan.FromSeconds(10), 2048, TimeSpan.FromSeconds(5), 512), (options.Timeout, options.MaxQueueSize, options.ScheduleDelay, options.MaxExportBatchSize));
        Assert.Equal("keel", options.Resource["service.name"]);
    }

    [Fact]
    public void Values_the_specification_does_not_allow_are_ignored_with_a_warning()
    {
        var warnings = new List<string>();
        var options = OtlpExporterOptions.FromEnvironment(Variables(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "lots"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "novalue")), warnings)!;

        Assert.Equal(OtlpExporterOptions.DefaultEndpoint, options.Endpoint);
        Assert.Equal(OtlpProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(2048, options.MaxQueueSize);
        Assert.Empty(options.Headers);
        Assert.Equal(4, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("grpc", StringComparison.Ordinal));
    }

    private static string Endpoint(params (string Name, string Value)[] variables) => OtlpExporterOptions.FromEnvironment(Variables(variables))!.Endpoint.ToString();

    private static Func<string, string?> Variables(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }
}
