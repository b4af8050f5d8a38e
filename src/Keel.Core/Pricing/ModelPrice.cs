namespace Keel.Pricing;

/// <summary>List prices of one model in USD per million tokens.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal CachedInputPerMillion, decimal OutputPerMillion)
{
    /// <summary>
    /// Prices a call. <paramref name="inputTokens"/> includes the cached ones, as the OpenAI usage block reports
    /// them; the cached part is charged at the cached rate.
    /// </summary>
    public decimal Cost(long inputTokens, long cachedInputTokens, long outputTokens)
    {
        var uncached = Math.Max(0, inputTokens - cachedInputTokens);
        return ((uncached * InputPerMillion)
                + (cachedInputTokens * CachedInputPerMillion)
                + (outputTokens * OutputPerMillion)) / 1_000_000m;
    }
}
