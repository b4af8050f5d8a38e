using Keel.Storage;
using Keel.Telemetry.Export;
using Microsoft.Extensions.Logging;

namespace Keel.Cli;

/// <summary>
/// OTLP export for the commands that record spans (serve, demo, worker, resume), switched on by the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables as any OpenTelemetry SDK is. Warnings and export failures go to standard
/// error, never to the standard output a <c>--json</c> reader parses.
/// </summary>
internal static class CliTelemetry
{
    /// <summary>The export the environment asks for, or null; a value the specification does not allow is reported and ignored.</summary>
    public static OtlpExporterOptions? Options(CliConsole console)
    {
        var warnings = new List<string>();
        var options = OtlpExporterOptions.FromEnvironment(warnings: warnings);
        foreach (var warning in warnings)
        {
            console.ErrorWriter.WriteLine($"keel: {warning}");
        }

        return options;
    }

    /// <summary>
    /// An exporter, observing the commits of <paramref name="store"/>, when the environment asks for one; dispose it
    /// (before the store) to send what is left.
    /// </summary>
    public static OtlpSpanExporter? Start(CliConsole console, IKeelStore store)
    {
        if (Options(console) is not { } options)
        {
            return null;
        }

        var exporter = new OtlpSpanExporter(options, logger: new ErrorLogger(console.ErrorWriter));
        store.AddCommitObserver(exporter);
        return exporter;
    }

    private sealed class ErrorLogger(TextWriter error) : ILogger<OtlpSpanExporter>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                error.WriteLine($"keel: {formatter(state, exception)}");
            }
        }
    }
}
