namespace Keel.Billing.Invoicing;

/// <summary>How invoices are computed and closed.</summary>
public sealed record BillingOptions
{
    /// <summary>
    /// How long after a period ends its invoice stays open for late events: finalizing earlier is refused (unless
    /// forced), so an event that arrives within the grace period lands on its own period's invoice.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromDays(3);

    /// <summary>
    /// Units of each currency per US dollar: Keel records cost in USD, so pass-through of model cost and margins of
    /// customers billed in another currency need a rate. USD needs none.
    /// </summary>
    public IReadOnlyDictionary<string, decimal> UsdExchangeRates { get; init; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Converts a USD amount to <paramref name="currency"/>, or throws when no rate is configured.</summary>
    public decimal FromUsd(decimal usd, string currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        if (string.Equals(currency, "USD", StringComparison.OrdinalIgnoreCase))
        {
            return usd;
        }

        return UsdExchangeRates.TryGetValue(currency, out var rate)
            ? usd * rate
            : throw new InvalidOperationException($"No USD exchange rate for {currency}: set BillingOptions.UsdExchangeRates[\"{currency}\"] to convert recorded cost.");
    }

    /// <summary>True when a USD amount can be converted to <paramref name="currency"/>.</summary>
    public bool CanConvert(string currency) =>
        string.Equals(currency, "USD", StringComparison.OrdinalIgnoreCase) || UsdExchangeRates.ContainsKey(currency);
}
