using Keel.Billing.Currencies;
using Keel.Billing.Plans;

namespace Keel.Billing.Rating;

/// <summary>Prices one component over one interval from its aggregated quantity: one line, rounded once.</summary>
internal static class ComponentPricer
{
    internal static RatedLine Price(PriceComponent component, RatingInterval interval, Currency currency)
    {
        if (component.Model is Flat flat)
        {
            var share = interval.Share;
            return Line(component, interval, currency, share, flat.Amount, interval.Prorate(flat.Amount), [], 0m,
                LineText.Flat(component, interval, share));
        }

        var slot = interval.Slots[component.Metric];
        var quantity = UsesValue(component) ? interval.Values[slot] : interval.Quantities[slot];
        var included = IncludedQuantity(component, interval);
        var billable = Math.Max(0m, quantity - included);
        var text = LineText.Usage(component, interval, included);
        return component.Model switch
        {
            PerUnit m => Line(component, interval, currency, quantity, m.UnitPrice, billable * m.UnitPrice, [], included, text),
            Graduated m => GraduatedLine(component, interval, currency, quantity, billable, included, m, text),
            Volume m => VolumeLine(component, interval, currency, quantity, billable, included, m, text),
            Package m => PackageLine(component, interval, currency, quantity, billable, included, m, text),
            PercentageOfValue m => Line(component, interval, currency, quantity, m.Percent / 100m, billable * m.Percent / 100m, [], included, text),
            CostPassThrough m => Line(component, interval, currency, quantity, 1m + (m.MarkupPercent / 100m),
                billable + (billable * m.MarkupPercent / 100m), [], included, text),
            _ => throw new InvalidOperationException($"Unknown charge model {component.Model.GetType().Name}."),
        };
    }

    /// <summary>The component sums event values (money) rather than quantities (counts).</summary>
    internal static bool UsesValue(PriceComponent component) => component.Aggregation switch
    {
        MetricAggregation.SumOfValue => true,
        MetricAggregation.SumOfQuantity => false,
        _ => component.Model is PercentageOfValue or CostPassThrough || BillableMetrics.IsValueMetric(component.Metric),
    };

    /// <summary>The included quantity for the interval: all of it for a whole period, else prorated and rounded down.</summary>
    internal static decimal IncludedQuantity(PriceComponent component, RatingInterval interval) =>
        interval.WholePeriod ? component.IncludedQuantity : decimal.Floor(interval.Prorate(component.IncludedQuantity));

    private static RatedLine GraduatedLine(
        PriceComponent component, RatingInterval interval, Currency currency, decimal quantity, decimal billable, decimal included, Graduated model, string text)
    {
        var applied = new List<AppliedTier>();
        var amount = 0m;
        var lower = 0m;
        for (var i = 0; i < model.Tiers.Count && billable > lower; i++)
        {
            var tier = model.Tiers[i];
            var upper = tier.UpTo is { } upTo ? Math.Min(upTo, billable) : billable;
            var units = upper - lower;
            var tierAmount = (units * tier.UnitPrice) + tier.FlatFee;
            applied.Add(new AppliedTier(i + 1, lower, tier.UpTo, units, tier.UnitPrice, tier.FlatFee, tierAmount));
            amount += tierAmount;
            lower = tier.UpTo ?? billable;
        }

        decimal? unitPrice = applied.Count == 1 ? applied[0].UnitPrice : null;
        return Line(component, interval, currency, quantity, unitPrice, amount, applied, included, text);
    }

    private static RatedLine VolumeLine(
        PriceComponent component, RatingInterval interval, Currency currency, decimal quantity, decimal billable, decimal included, Volume model, string text)
    {
        if (billable <= 0)
        {
            return Line(component, interval, currency, quantity, null, 0m, [], included, text);
        }

        var lower = 0m;
        var index = 0;
        while (model.Tiers[index].UpTo is { } upTo && billable > upTo)
        {
            lower = upTo;
            index++;
        }

        var tier = model.Tiers[index];
        var amount = (billable * tier.UnitPrice) + tier.FlatFee;
        AppliedTier[] applied = [new AppliedTier(index + 1, lower, tier.UpTo, billable, tier.UnitPrice, tier.FlatFee, amount)];
        return Line(component, interval, currency, quantity, tier.UnitPrice, amount, applied, included, text);
    }

    private static RatedLine PackageLine(
        PriceComponent component, RatingInterval interval, Currency currency, decimal quantity, decimal billable, decimal included, Package model, string text)
    {
        var packages = decimal.Ceiling(billable / model.PackageSize);
        var amount = packages * model.PackagePrice;
        return Line(component, interval, currency, quantity, null, amount, [], included, LineText.Packages(text, packages, model));
    }

    private static RatedLine Line(
        PriceComponent component, RatingInterval interval, Currency currency, decimal quantity, decimal? unitPrice,
        decimal unrounded, IReadOnlyList<AppliedTier> tiers, decimal included, string description) =>
        new(component.Id, description, component.Metric ?? "", quantity, unitPrice, unrounded,
            currency.Round(unrounded), tiers, interval.Plan.Version)
        {
            PlanId = interval.Plan.Id,
            From = interval.From,
            To = interval.To,
            IncludedQuantity = included,
        };
}
