namespace Keel.Storage;

/// <summary>How a cost report groups usage.</summary>
public enum CostGrouping
{
    Task,
    Customer,
    Agent,
    Model,
    Day,

    /// <summary>One row for everything: the totals, counting each task once.</summary>
    All,
}

/// <summary>One group of a cost report: what its tasks cost, split by kind, and what they achieved.</summary>
public sealed record CostRow(
    string Key,
    decimal ModelUsd,
    decimal ToolUsd,
    decimal HumanUsd,
    long Tasks,
    long SuccessfulOutcomes,
    double HumanSeconds)
{
    public decimal TotalUsd => ModelUsd + ToolUsd + HumanUsd;

    public decimal? CostPerTask => Tasks == 0 ? null : TotalUsd / Tasks;

    /// <summary>Everything spent (failures included) divided by the outcomes that succeeded: the price of a result.</summary>
    public decimal? CostPerSuccessfulOutcome => SuccessfulOutcomes == 0 ? null : TotalUsd / SuccessfulOutcomes;

    /// <summary>Human cost per dollar of model cost.</summary>
    public decimal? HumanToModelRatio => ModelUsd == 0 ? null : HumanUsd / ModelUsd;
}
