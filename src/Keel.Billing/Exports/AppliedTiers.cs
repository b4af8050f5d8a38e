using System.Text.Json;
using Keel.Billing.Rating;

namespace Keel.Billing.Exports;

/// <summary>Reads the tiers a stored invoice line keeps as JSON.</summary>
internal static class AppliedTiers
{
    public static IReadOnlyList<AppliedTier> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(json, BillingJson.Default.IReadOnlyListAppliedTier) ?? [];
        }
        catch (JsonException)
        {
            return []; // the tiers explain a line; an unreadable explanation must not hide the invoice
        }
    }
}
