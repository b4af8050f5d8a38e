namespace Keel.Pricing;

/// <summary>A call to a model the price table does not list: refusing beats recording it as free.</summary>
public sealed class UnknownPriceException(string model)
    : InvalidOperationException($"No price is known for model '{model}'. Add it to the price table (keel --prices FILE) before using it.")
{
    public string Model { get; } = model;
}
