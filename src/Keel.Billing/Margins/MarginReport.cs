namespace Keel.Billing.Margins;

/// <summary>Margins of a period, three ways: per customer, per customer and plan, per customer and agent.</summary>
public sealed record MarginReport(BillingPeriod Period, IReadOnlyList<MarginRow> ByCustomer, IReadOnlyList<MarginRow> ByPlan, IReadOnlyList<MarginRow> ByAgent);
