using Keel.Billing.Currencies;

namespace Keel.Billing.Plans;

/// <summary>Rejects plans the rater could not price unambiguously, with a message that names the problem.</summary>
internal static class PlanValidator
{
    internal static void Validate(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Require(!string.IsNullOrWhiteSpace(plan.Id), "A plan needs an id.");
        Require(plan.Version >= 1, $"Plan '{plan.Id}': version must be 1 or more.");
        _ = Currency.Get(plan.Currency);
        Require(plan.Components is not null, $"Plan '{plan.Id}' has no component list.");
        Require(plan.MinimumCommitment is null or >= 0, $"Plan '{plan.Id}': the minimum commitment cannot be negative.");
        Require(plan.MaximumCharge is null or >= 0, $"Plan '{plan.Id}': the maximum charge cannot be negative.");
        Require(plan.MinimumCommitment is null || plan.MaximumCharge is null || plan.MinimumCommitment <= plan.MaximumCharge,
            $"Plan '{plan.Id}': the minimum commitment exceeds the maximum charge.");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in plan.Components!)
        {
            Require(component is not null, $"Plan '{plan.Id}' has a null component.");
            var where = $"Plan '{plan.Id}' v{plan.Version}, component '{component!.Id}'";
            Require(!string.IsNullOrWhiteSpace(component.Id), $"Plan '{plan.Id}': every component needs an id.");
            Require(ids.Add(component.Id), $"{where}: the id is used twice.");
            Require(component.Model is not null, $"{where}: no charge model.");
            Require(component.Model is Flat || !string.IsNullOrWhiteSpace(component.Metric), $"{where}: no metric.");
            Require(component.IncludedQuantity >= 0, $"{where}: the included quantity cannot be negative.");
            Require(Enum.IsDefined(component.Aggregation), $"{where}: unknown aggregation.");
            switch (component.Model)
            {
                case Graduated g:
                    ValidateTiers(g.Tiers, where);
                    break;
                case Volume v:
                    ValidateTiers(v.Tiers, where);
                    break;
                case Package p:
                    Require(p.PackageSize > 0, $"{where}: the package size must be positive.");
                    break;
                case CostPassThrough c:
                    Require(c.MarkupPercent >= -100, $"{where}: a markup below -100 % would bill a negative cost.");
                    break;
            }
        }
    }

    private static void ValidateTiers(IReadOnlyList<PriceTier>? tiers, string where)
    {
        Require(tiers is { Count: > 0 }, $"{where}: tiered pricing needs at least one tier.");
        decimal previous = 0;
        for (var i = 0; i < tiers!.Count; i++)
        {
            var tier = tiers[i];
            Require(tier is not null, $"{where}: tier {i + 1} is null.");
            var last = i == tiers.Count - 1;
            if (last)
            {
                Require(tier!.UpTo is null, $"{where}: the last tier must be unbounded (up_to null).");
            }
            else
            {
                Require(tier!.UpTo is { } upTo && upTo > previous,
                    $"{where}: tier {i + 1} must have an up_to above the previous tier's ({previous}); only the last tier is unbounded.");
                previous = tier.UpTo!.Value;
            }
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
