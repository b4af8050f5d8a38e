namespace Keel.Tracing;

public enum SpanStatus
{
    Ok,
    Error,
}
