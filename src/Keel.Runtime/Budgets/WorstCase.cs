using Keel.Pricing;

namespace Keel.Budgets;

/// <summary>
/// The most a call can cost, reserved before it is made: its prompt as counted with o200k_base plus a margin
/// (providers' own tokenizers count somewhat differently), and its whole output allowance, at the list price of
/// the most expensive deployment it might fall back to.
/// </summary>
public static class WorstCase
{
    public static long InputWithMargin(long countedPromptTokens) => countedPromptTokens + (countedPromptTokens / 10) + 16;

    /// <param name="choices">How many answers the call asks for (OpenAI's <c>n</c>): each may use the whole output allowance.</param>
    public static decimal Cost(long countedPromptTokens, IEnumerable<(ModelPrice Price, int MaxOutputTokens)> deployments, int? requestMaxTokens, int choices = 1)
    {
        var input = InputWithMargin(countedPromptTokens);
        return deployments.Select(d => d.Price.Cost(input, 0, (long)(requestMaxTokens ?? d.MaxOutputTokens) * Math.Max(1, choices))).DefaultIfEmpty(0).Max();
    }
}
