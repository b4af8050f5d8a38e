using Keel.Pricing;

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
}
