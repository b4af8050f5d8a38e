using System.Globalization;
using Keel.Billing.Plans;

namespace Keel.Billing.Rating;

/// <summary>Invoice line descriptions: what was priced, under which plan version, over which dates.</summary>
internal static class LineText
{
    internal static string Usage(PriceComponent component, RatingInterval interval, decimal included) =>
        included > 0
            ? Invariant($"{component.Description} ({Plan(interval)}, {Dates(interval)}; first {included:0.############} included)")
            : Invariant($"{component.Description} ({Plan(interval)}, {Dates(interval)})");

    internal static string Flat(PriceComponent component, RatingInterval interval, decimal share) =>
        interval.WholePeriod
            ? Invariant($"{component.Description} ({Plan(interval)}, {Dates(interval)})")
            : Invariant($"{component.Description} ({Plan(interval)}, {Dates(interval)}; prorated to {share * 100m:0.##} % of the period)");

    internal static string Packages(string text, decimal packages, Package model) =>
        Invariant($"{text}: {packages:0} × package of {model.PackageSize:0.############} at {model.PackagePrice:0.############}");

    internal static string Minimum(RatingInterval interval, decimal minimum) =>
        Invariant($"Minimum commitment top-up ({Plan(interval)}: {minimum:0.############} per period{Prorated(interval)}, {Dates(interval)})");

    internal static string Maximum(RatingInterval interval, decimal maximum) =>
        Invariant($"Maximum charge cap ({Plan(interval)}: {maximum:0.############} per period{Prorated(interval)}, {Dates(interval)})");

    private static string Prorated(RatingInterval interval) =>
        interval.WholePeriod ? "" : Invariant($", prorated to {interval.Share * 100m:0.##} %");

    private static string Plan(RatingInterval interval) => Invariant($"{interval.Plan.Name} v{interval.Plan.Version}");

    /// <summary>Dates in UTC; the end is exclusive, as in the period.</summary>
    private static string Dates(RatingInterval interval) => $"{Date(interval.From)} to {Date(interval.To)}";

    private static string Date(DateTimeOffset at) =>
        at.UtcDateTime.TimeOfDay == TimeSpan.Zero
            ? at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
