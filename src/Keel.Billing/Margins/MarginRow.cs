namespace Keel.Billing.Margins;

/// <summary>
/// Revenue against Keel's recorded cost for one customer, or one of its plans or agents, over a period. Amounts are
/// in the customer's currency (cost converted from USD).
/// </summary>
/// <param name="PlanId">Set on per-plan rows.</param>
/// <param name="Agent">Set on per-agent rows.</param>
/// <param name="Revenue">Draft and finalized invoice lines attributable, less credit notes.</param>
public sealed record MarginRow(
    string CustomerId,
    string? PlanId,
    string? Agent,
    string Currency,
    decimal Revenue,
    decimal ModelCost,
    decimal ToolCost,
    decimal HumanCost,
    long SuccessfulOutcomes)
{
    public decimal Cost => ModelCost + ToolCost + HumanCost;

    public decimal Margin => Revenue - Cost;

    /// <summary>Margin as a percentage of revenue; null without revenue.</summary>
    public decimal? MarginPercent => Revenue == 0 ? null : Margin / Revenue * 100m;

    /// <summary>What each successful outcome left after its cost: the unit economics of outcome pricing.</summary>
    public decimal? MarginPerSuccessfulOutcome => SuccessfulOutcomes == 0 ? null : Margin / SuccessfulOutcomes;
}
