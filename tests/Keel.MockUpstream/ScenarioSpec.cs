using System.Globalization;

namespace Keel.MockUpstream;

/// <summary>
/// The behaviour a <c>/s/{spec}/</c> path prefix asks for: a comma-separated list of <c>key=value</c>
/// (see README.md). Parsed once per distinct spec string, so the hot path never re-parses.
/// </summary>
public sealed record ScenarioSpec
{
    public static ScenarioSpec Normal { get; } = new();

    /// <summary>HTTP status of injected failures; defaults from <see cref="Code"/>, else 503.</summary>
    public int? Status { get; init; }

    /// <summary>Error code of injected failures, e.g. <c>context_length_exceeded</c> or <c>insufficient_quota</c>.</summary>
    public string? Code { get; init; }

    /// <summary>Fraction of requests that fail; decimal so that 0.3 fails exactly 3 in 10.</summary>
    public decimal? Rate { get; init; }

    public int FailFirst { get; init; }

    /// <summary>As written, so fractional seconds reach clients that parse them (the OpenAI SDKs do).</summary>
    public string? RetryAfter { get; init; }

    public int RetryAfterMs { get; init; }

    public int LatencyMs { get; init; }

    public int ChunkDelayMs { get; init; }

    public int? CutAfter { get; init; }

    public bool Hang { get; init; }

    public bool NoUsage { get; init; }

    public int? ContextWindow { get; init; }

    /// <summary>Exact answer length in words (before max_tokens), for benchmarks that want long streams.</summary>
    public int? Words { get; init; }

    /// <summary>When set, the only API key accepted (Bearer for OpenAI, x-api-key for Anthropic).</summary>
    public string? Key { get; init; }

    public bool HasFault => Status is not null || Code is not null || FailFirst > 0 || Rate is not null;

    public int FaultStatus => Status ?? Code switch
    {
        "context_length_exceeded" or "invalid_request" => 400,
        "rate_limit_exceeded" or "insufficient_quota" => 429,
        _ => 503,
    };

    /// <summary>Whether the k-th request (1-based) to this spec fails.</summary>
    /// <remarks>
    /// Rate failures are spread deterministically: request k fails when floor(k * rate) advances, so 0.5 fails
    /// every second request and 0.3 fails requests 4, 7 and 10 of every ten.
    /// </remarks>
    public bool Fails(long k)
    {
        if (!HasFault)
        {
            return false;
        }

        if (FailFirst > 0 && k <= FailFirst)
        {
            return true;
        }

        if (Rate is { } rate)
        {
            return decimal.Floor(k * rate) != decimal.Floor((k - 1) * rate);
        }

        // fail-first alone means "then succeed"; status or code alone means "always".
        return FailFirst == 0;
    }

    public static bool TryParse(string text, out ScenarioSpec spec, out string error)
    {
        spec = Normal;
        error = "";
        var result = new ScenarioSpec();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "1" : part[(eq + 1)..];
            ScenarioSpec? next = key switch
            {
                "status" => Int(value, 400, 599) is { } s ? result with { Status = s } : null,
                "code" => value.Length > 0 ? result with { Code = value } : null,
                "rate" => decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1
                    ? result with { Rate = r }
                    : null,
                "fail-first" => Int(value, 0, int.MaxValue) is { } n ? result with { FailFirst = n } : null,
                "retry-after" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var sec) && sec >= 0
                    ? result with { RetryAfter = value, RetryAfterMs = (int)Math.Round(sec * 1000) }
                    : null,
                "latency" => Int(value, 0, int.MaxValue) is { } ms ? result with { LatencyMs = ms } : null,
                "chunk-delay" => Int(value, 0, int.MaxValue) is { } cd ? result with { ChunkDelayMs = cd } : null,
                "cut-after" => Int(value, 0, int.MaxValue) is { } c ? result with { CutAfter = c } : null,
                "hang" => Flag(value) is { } h ? result with { Hang = h } : null,
                "no-usage" => Flag(value) is { } u ? result with { NoUsage = u } : null,
                "context-window" => Int(value, 1, int.MaxValue) is { } w ? result with { ContextWindow = w } : null,
                "words" => Int(value, 1, 1_000_000) is { } words ? result with { Words = words } : null,
                "key" => value.Length > 0 ? result with { Key = value } : null,
                _ => null,
            };
            if (next is null)
            {
                error = $"mock-upstream: cannot apply '{part}' in scenario '{text}' (unknown key or bad value).";
                return false;
            }

            result = next;
        }

        spec = result;
        return true;
    }

    private static int? Int(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    private static bool? Flag(string value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => null,
    };
}
