namespace Keel.Billing;

/// <summary>What Keel recorded as spent for one customer's agent over a window: the cost side of a margin.</summary>
public sealed record BillingCostRow(string CustomerId, string Agent, decimal ModelUsd, decimal ToolUsd, decimal HumanUsd)
{
    public decimal TotalUsd => ModelUsd + ToolUsd + HumanUsd;
}
