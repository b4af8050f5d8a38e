using Keel.Storage;

namespace Keel.Billing;

/// <summary>A change was asked of an invoice that is finalized or void: those never change (credit or void them instead).</summary>
public sealed class InvoiceImmutableException(string invoiceId, InvoiceStatus status)
    : StoreException($"Invoice {invoiceId} is {status.ToString().ToLowerInvariant()}: it cannot change. Issue a credit note or void it instead.")
{
    public string InvoiceId { get; } = invoiceId;
}
