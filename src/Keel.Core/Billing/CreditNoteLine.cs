namespace Keel.Billing;

/// <summary>One line of a credit note; amounts are positive (what the customer gets back).</summary>
public sealed record CreditNoteLine(int Seq, string ComponentId, string Description, string Metric, decimal Quantity, decimal UnroundedAmount, decimal Amount);
