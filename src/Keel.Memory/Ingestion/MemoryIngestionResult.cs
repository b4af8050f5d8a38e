namespace Keel.Memory.Ingestion;

/// <summary>What an ingestion run did.</summary>
/// <param name="Messages">Session messages read (and passed by the cursor), turns or not.</param>
/// <param name="Added">Memories written.</param>
/// <param name="Deduplicated">Turns whose memory was already stored (an earlier, interrupted or concurrent run, or the same text said twice in a session).</param>
public sealed record MemoryIngestionResult(int Messages, int Added, int Deduplicated)
{
    public static MemoryIngestionResult None { get; } = new(0, 0, 0);

    internal MemoryIngestionResult Plus(MemoryIngestionResult other) =>
        new(Messages + other.Messages, Added + other.Added, Deduplicated + other.Deduplicated);
}
