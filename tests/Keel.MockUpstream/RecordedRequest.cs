namespace Keel.MockUpstream;

/// <summary>One request as the mock received it.</summary>
/// <param name="Spec">The scenario spec of the <c>/s/{spec}/</c> prefix, or "" for the plain path.</param>
/// <param name="Path">The path after the prefix, e.g. <c>/v1/chat/completions</c>.</param>
/// <param name="Headers">Header name (case-insensitive) to value; repeated headers are comma-joined.</param>
public sealed record RecordedRequest(
    string Spec,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset ReceivedAt);
