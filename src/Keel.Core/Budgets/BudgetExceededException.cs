namespace Keel.Budgets;

/// <summary>
/// A call was refused before reaching any provider: its worst-case cost does not fit a budget. Not worth
/// retrying until the budget grows or its period rolls over (the gateway answers 402, which clients do not retry).
/// </summary>
public sealed class BudgetExceededException(BudgetScope scope, string scopeId, decimal limitUsd, decimal remainingUsd, decimal requiredUsd)
    : InvalidOperationException(
        $"Budget exceeded: the {scope.ToString().ToLowerInvariant()} budget of '{scopeId}' has ${remainingUsd:0.######} of ${limitUsd:0.######} left; this call may cost up to ${requiredUsd:0.######}.")
{
    public BudgetScope Scope { get; } = scope;
    public string ScopeId { get; } = scopeId;
    public decimal LimitUsd { get; } = limitUsd;
    public decimal RemainingUsd { get; } = remainingUsd;
    public decimal RequiredUsd { get; } = requiredUsd;
}
