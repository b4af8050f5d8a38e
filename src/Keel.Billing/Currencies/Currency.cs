using System.Diagnostics.CodeAnalysis;

namespace Keel.Billing.Currencies;

/// <summary>
/// An ISO 4217 currency and its minor units. Invoices round each line once, to the currency's minor unit, so
/// the number of decimals must come from the standard rather than from the amounts (JPY has none, KWD three).
/// </summary>
public sealed record Currency
{
    private Currency(string code, int minorUnits, string name)
    {
        Code = code;
        MinorUnits = minorUnits;
        Name = name;
        zeroAtMinorUnits = new decimal(0, 0, 0, false, (byte)minorUnits);
    }

    /// <summary>0 written with the currency's decimals (0.00 for USD); adding it pads a rounded amount to them.</summary>
    private readonly decimal zeroAtMinorUnits;

    /// <summary>The three-letter ISO 4217 code in upper case, e.g. <c>USD</c>.</summary>
    public string Code { get; }

    /// <summary>Decimals of the minor unit: 2 for USD (cents), 0 for JPY, 3 for KWD (fils).</summary>
    public int MinorUnits { get; }

    public string Name { get; }

    /// <summary>Every currency Keel knows, ordered by code.</summary>
    public static IReadOnlyList<Currency> All => Iso4217.All;

    /// <summary>Looks a currency up by its ISO 4217 code (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The code is not an ISO 4217 currency Keel knows.</exception>
    public static Currency Get(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return TryGet(code, out var currency)
            ? currency
            : throw new ArgumentException(
                $"Unknown currency '{code}': expected an ISO 4217 code such as USD, EUR, JPY or KWD.", nameof(code));
    }

    public static bool TryGet(string? code, [NotNullWhen(true)] out Currency? currency)
    {
        currency = null;
        return code is not null && Iso4217.ByCode.TryGetValue(code, out currency);
    }

    /// <summary>
    /// Rounds to the minor unit, half away from zero (2.345 USD → 2.35, −2.345 USD → −2.35), written with exactly
    /// the currency's decimals (10.5 USD → 10.50), so exports print amounts as invoices show them. Invoices call
    /// this exactly once per line, on the unrounded amount, so rounding errors never compound.
    /// </summary>
    public decimal Round(decimal amount) =>
        decimal.Round(amount, MinorUnits, MidpointRounding.AwayFromZero) + zeroAtMinorUnits;

    internal static Currency Create(string code, int minorUnits, string name) => new(code, minorUnits, name);

    public override string ToString() => Code;
}
