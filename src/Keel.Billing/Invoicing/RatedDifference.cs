using Keel.Billing.Currencies;
using Keel.Billing.Rating;

namespace Keel.Billing.Invoicing;

/// <summary>
/// What some events contributed to a period: the period rated with them minus the period rated without them, line
/// by line, each difference rounded once. It prices a late event with the tiers of its own period and credits a
/// reversed event for exactly what it added (a flat fee, a minimum already met, or a cap reached add nothing).
/// </summary>
internal static class RatedDifference
{
    public sealed record Line(RatedLine Source, decimal Quantity, decimal UnroundedAmount, decimal Amount);

    public static IReadOnlyList<Line> Between(RatedInvoice with, RatedInvoice without, Currency currency)
    {
        var before = without.Lines.ToDictionary(Key);
        var lines = new List<Line>();
        foreach (var line in with.Lines)
        {
            var old = before.GetValueOrDefault(Key(line));
            before.Remove(Key(line));
            lines.Add(Diff(line, line.Quantity - (old?.Quantity ?? 0), line.UnroundedAmount - (old?.UnroundedAmount ?? 0), currency));
        }

        // A line only the smaller rating has (a minimum top-up the extra events made unnecessary) goes negative.
        lines.AddRange(before.Values.Select(old => Diff(old, -old.Quantity, -old.UnroundedAmount, currency)));
        return lines.Where(l => l.UnroundedAmount != 0).ToList();
    }

    private static Line Diff(RatedLine source, decimal quantity, decimal unrounded, Currency currency) =>
        new(source, quantity, unrounded, currency.Round(unrounded));

    private static (string, int, string, DateTimeOffset) Key(RatedLine line) => (line.PlanId, line.PlanVersion, line.ComponentId, line.From);
}
