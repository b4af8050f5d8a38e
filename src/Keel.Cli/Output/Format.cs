using System.Globalization;

namespace Keel.Cli.Output;

internal static class Format
{
    public static string Usd(decimal amount) => amount switch
    {
        0 => "$0",
        < 0.01m => "$" + amount.ToString("0.000000", CultureInfo.InvariantCulture),
        _ => "$" + amount.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    public static string Duration(double? ms) => ms switch
    {
        null => "-",
        < 1_000 => ms.Value.ToString("0", CultureInfo.InvariantCulture) + " ms",
        < 60_000 => (ms.Value / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " s",
        _ => $"{(int)(ms.Value / 60_000)}m {(int)(ms.Value / 1_000 % 60):00}s",
    };

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
