namespace Keel.Tasks;

/// <summary>Identifiers that sort by creation time (UUID v7), prefixed by what they name.</summary>
public static class KeelIds
{
    public static string NewTaskId() => New("task");

    public static string NewSessionId() => New("sess");

    public static string NewCustomerId() => New("cus");

    public static string New(string prefix) => $"{prefix}_{UuidV7.Create(DateTimeOffset.UtcNow):N}";
}
