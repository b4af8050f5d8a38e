using System.CommandLine;
using System.Globalization;
using Keel.Pricing;

namespace Keel.Cli;

/// <summary>Options several commands share, defined once so their help reads the same everywhere.</summary>
internal static class CommonOptions
{
    public const string DefaultDb = "keel.db";

    public static Option<string> Db() => new("--db")
    {
        Description = $"The Keel database file (default: $KEEL_DB, else ./{DefaultDb}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KEEL_DB") is { Length: > 0 } fromEnv ? fromEnv : DefaultDb,
        HelpName = "FILE",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON on standard output instead of tables.",
    };

    public static Option<FileInfo?> Prices() => new("--prices")
    {
        Description = "A price table (JSON, USD per million tokens) that overrides or extends the built-in one.",
        HelpName = "FILE",
    };

    public static Option<int> Concurrency()
    {
        var option = new Option<int>("--concurrency") { Description = "Tasks running at once.", DefaultValueFactory = _ => 25 };
        AtLeast(option, 1);
        return option;
    }

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed of the simulated models: the same seed replays the same run.",
        DefaultValueFactory = _ => 42,
    };

    /// <summary>
    /// Rejects values below <paramref name="minimum"/>. Option validators run before System.CommandLine converts
    /// the value, so a token that is not a number is left to its own parse error instead of throwing here.
    /// </summary>
    public static void AtLeast(Option<int> option, int minimum) => option.Validators.Add(r =>
    {
        if (r.Tokens.Any(t => !int.TryParse(t.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
        {
            return;
        }

        if (r.GetValueOrDefault<int>() < minimum)
        {
            r.AddError($"{option.Name} must be at least {minimum}.");
        }
    });

    public static PriceTable LoadPrices(FileInfo? overrides) =>
        overrides is null ? PriceTable.Default : PriceTable.Default.With(PriceTable.LoadFile(overrides.FullName));
}
