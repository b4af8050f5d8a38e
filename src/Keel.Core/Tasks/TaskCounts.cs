namespace Keel.Tasks;

/// <summary>How many tasks there are in the states a person watches, and what all of them cost: a live header's numbers.</summary>
public sealed record TaskCounts(long Tasks, long Running, long Waiting, long Failed, decimal CostUsd);
