namespace Keel.Usage;

public enum UsageKind
{
    Model,
    Tool,
}
