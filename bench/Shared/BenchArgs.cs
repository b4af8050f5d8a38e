using System.Globalization;

namespace Keel.Bench;

/// <summary>
/// A bench's command line: <c>--name value</c>, <c>--name=value</c> or a bare <c>--flag</c>; numbers may be written
/// with underscores (<c>--events 10_000_000</c>). Linked into each bench project (bench/Shared).
/// </summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string> _named = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">An option not in <paramref name="known"/>.</exception>
    public BenchArgs(string[] args, IReadOnlyList<string> known)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i].TrimStart('-');
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                _named[arg[..eq]] = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _named[arg] = args[++i];
            }
            else
            {
                _named[arg] = "true";
            }
        }

        if (_named.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new ArgumentException($"Unknown option --{unknown}; use --{string.Join(" --", known)}.");
        }
    }

    public long Long(string name, long fallback) =>
        _named.TryGetValue(name, out var v) ? long.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;

    public int Int(string name, int fallback) =>
        _named.TryGetValue(name, out var v) ? int.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;

    public string? Text(string name) => _named.GetValueOrDefault(name);

    public string Text(string name, string fallback) => _named.GetValueOrDefault(name, fallback);

    public bool Has(string name) => _named.ContainsKey(name);
}
