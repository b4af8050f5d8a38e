using System.Globalization;
using Keel.Billing.Rating;

namespace Keel.Billing.Exports;

/// <summary>The tiers applied to a line in one short line of text, for tables and spreadsheets.</summary>
public static class TierText
{
    /// <summary>Like <c>tier 1 (0-10]: 10 x 1.50; tier 2 (10-25]: 15 x 1.20; tier 3 (&gt;25): 4 x 0.90 + 5 flat</c>; empty without tiers.</summary>
    public static string Describe(IReadOnlyList<AppliedTier> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        return string.Join("; ", tiers.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"tier {t.Tier} {(t.UpTo is { } up ? $"({t.From}-{up}]" : $"(>{t.From})")}: {t.Quantity} x {t.UnitPrice}{(t.FlatFee != 0 ? $" + {t.FlatFee} flat" : "")}")));
    }
}
