namespace Keel.Server.Otlp;

/// <summary>
/// Whose spans are being ingested. A customer's key files them under that customer, whatever the spans say; the
/// admin token (or <c>--insecure-local</c>) files them under the customer a resource names in <c>keel.customer</c>,
/// else under <see cref="OtlpIngestor.DefaultCustomer"/>.
/// </summary>
public sealed record IngestCaller(string? CustomerId, string? ApiKeyId)
{
    public static IngestCaller Admin { get; } = new(null, null);
}

/// <summary>What became of an export request's spans.</summary>
/// <param name="Stored">Spans written now.</param>
/// <param name="Duplicates">Spans already stored (sent before), accepted and left as they were.</param>
/// <param name="Rejected">Spans refused: invalid ids, or a trace that belongs to another customer.</param>
/// <param name="Message">Why spans were rejected, for the partial-success response.</param>
public sealed record IngestResult(int Stored, int Duplicates, int Rejected, string? Message);
