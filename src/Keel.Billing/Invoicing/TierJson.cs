using System.Text.Json;
using System.Text.Json.Serialization;
using Keel.Billing.Rating;

namespace Keel.Billing.Invoicing;

/// <summary>The tiers applied to a line, as the store keeps them (opaque JSON the store never reads).</summary>
internal static class TierJson
{
    public static string Serialize(IReadOnlyList<AppliedTier> tiers) => JsonSerializer.Serialize(tiers, TierJsonContext.Default.IReadOnlyListAppliedTier);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<AppliedTier>))]
internal sealed partial class TierJsonContext : JsonSerializerContext;
