using Keel.Pricing;
using Keel.Storage;

namespace Keel.Server.Hosting;

public sealed record KeelServerOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8420";

    public required string DbPath { get; init; }

    /// <summary>The gateway config (JSON or YAML); null serves the demo's simulated models.</summary>
    public string? ConfigPath { get; init; }

    public string Urls { get; init; } = DefaultUrls;

    public PriceTable Prices { get; init; } = PriceTable.Default;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Serves the dashboard and its API without a token, to whoever can reach the server: allowed only when every URL
    /// it listens on is loopback, so "whoever" is someone on this machine.
    /// </summary>
    public bool InsecureLocal { get; init; }

    /// <summary>Replaces the admin token with a new one on start (the old one stops working), for a token that was lost or leaked.</summary>
    public bool NewAdminToken { get; init; }

    /// <summary>
    /// Makes, over the server's store, a worker pool to run for the server's lifetime, so that an approval decided in
    /// the dashboard, or a replay started there, actually runs. The server knows no agents itself: its host supplies
    /// them. Null runs none (a separate <c>keel worker</c> may).
    /// </summary>
    public Func<IKeelStore, KeelServerWorkers>? Workers { get; init; }

    /// <summary>
    /// Where to export recorded spans over OTLP; null exports none. <c>keel serve</c> reads it from the standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables (see <see cref="Telemetry.Export.OtlpExporterOptions.FromEnvironment"/>).
    /// </summary>
    public Telemetry.Export.OtlpExporterOptions? OtlpExport { get; init; }
}
