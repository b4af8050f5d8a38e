namespace Keel.Oversight;

/// <summary>The price of a person's time when the customer has set none: a loaded cost of a support engineer.</summary>
public static class HumanRates
{
    public const decimal DefaultUsdPerHour = 60m;

    public static decimal Cost(double seconds, decimal usdPerHour) =>
        Math.Round((decimal)seconds * usdPerHour / 3600m, 9, MidpointRounding.AwayFromZero);
}
