using Keel.Billing.Plans;

namespace Keel.Bench.Billing;

/// <summary>
/// Five plans of the kinds people selling agents use, one customer in five on each: outcome tiers (graduated), task
/// volume discounts, per task with a monthly minimum, a share of the value recovered with a cap, and model cost
/// passed through with a markup (in EUR, so the pass-through converts from Keel's USD cost).
/// </summary>
internal static class BenchPlans
{
    public const decimal EurPerUsd = 0.92m;

    public static IReadOnlyList<Plan> All { get; } =
    [
        new("support-outcomes", 1, "Support per resolved ticket", "USD",
        [
            new PriceComponent("platform", "Platform fee", "", new Flat(99m)),
            new PriceComponent("resolved", "Resolved tickets", BillableMetrics.OutcomeSuccess,
                new Graduated([new PriceTier(1_000, 0.90m), new PriceTier(5_000, 0.60m), new PriceTier(null, 0.40m)])) { IncludedQuantity = 100 },
        ]),
        new("ops-volume", 1, "Operations, volume priced", "USD",
        [
            new PriceComponent("tasks", "Completed tasks", BillableMetrics.TaskCompleted,
                new Volume([new PriceTier(1_000, 0.25m), new PriceTier(10_000, 0.18m, 20m), new PriceTier(null, 0.12m, 50m)])),
        ]),
        new("starter-minimum", 1, "Starter, per task with a minimum", "USD",
        [
            new PriceComponent("started", "Tasks started", BillableMetrics.TaskStarted, new PerUnit(0.05m)),
        ]) { MinimumCommitment = 500m },
        new("recovery-share", 1, "Collections, share of value recovered", "USD",
        [
            new PriceComponent("share", "Share of value recovered", BillableMetrics.OutcomeValue, new PercentageOfValue(4m)),
            new PriceComponent("cases", "Cases closed", BillableMetrics.OutcomeSuccess, new PerUnit(0.10m)),
        ]) { MaximumCharge = 5_000m },
        new("llm-passthrough", 1, "Research, model cost plus markup", "EUR",
        [
            new PriceComponent("platform", "Platform fee", "", new Flat(49m)),
            new PriceComponent("llm", "Model cost", BillableMetrics.ModelCost, new CostPassThrough(25m)),
            new PriceComponent("runs", "Completed runs, per 100", BillableMetrics.TaskCompleted, new Package(100m, 8m)),
        ]),
    ];

    public static Plan For(int customer) => All[customer % All.Count];
}
