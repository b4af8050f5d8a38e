namespace Keel.Storage;

/// <summary>What the store holds, for capacity checks and the content-addressing guarantee.</summary>
public sealed record StorageStats(
    long Tasks,
    long Steps,
    long Spans,
    long UsageEvents,
    long Blobs,
    long BlobBytes,
    long Snapshots,
    long SnapshotBytes);
