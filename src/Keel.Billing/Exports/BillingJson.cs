using System.Text.Json.Serialization;
using Keel.Billing.Rating;

namespace Keel.Billing.Exports;

/// <summary>
/// The JSON of billing's interfaces (REST answers, CLI <c>--json</c>, exports): snake_case, source-generated, indented
/// so an exported file reads well. One context, so every interface prints the same shape.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(InvoiceDocument))]
[JsonSerializable(typeof(IReadOnlyList<InvoiceDocument>))]
[JsonSerializable(typeof(IReadOnlyList<AppliedTier>))]
[JsonSerializable(typeof(PlanDocument))]
[JsonSerializable(typeof(IReadOnlyList<PlanDocument>))]
[JsonSerializable(typeof(SubscriptionDocument))]
[JsonSerializable(typeof(IReadOnlyList<SubscriptionDocument>))]
[JsonSerializable(typeof(BillableEventDocument))]
[JsonSerializable(typeof(IReadOnlyList<BillableEventDocument>))]
[JsonSerializable(typeof(CreditNoteDocument))]
[JsonSerializable(typeof(IReadOnlyList<CreditNoteDocument>))]
[JsonSerializable(typeof(MarginDocument))]
public sealed partial class BillingJson : JsonSerializerContext;
