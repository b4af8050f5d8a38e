using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.ToolState;

/// <summary>How tool state steps are named and what their journal results hold.</summary>
internal static class ToolStateJournal
{
    /// <summary>
    /// The step's name: the verb, scope, tool and key. The scope id is left out: it is the same in every run of a
    /// task, but a fork (a new task id) must still match its journal.
    /// </summary>
    public static string StepName(string verb, ToolStateKey key) => $"{verb} {key.Scope.ToString().ToLowerInvariant()}/{key.Tool}/{key.Key}";

    /// <summary>The time as a store keeps it (whole microseconds), so an entry a task returns equals the one stored.</summary>
    public static DateTimeOffset StoredTime(DateTimeOffset time) => time.AddTicks(-(time.UtcTicks % 10)).ToUniversalTime();

    /// <exception cref="ArgumentException"><paramref name="value"/> is not JSON.</exception>
    public static void EnsureJson(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            using var document = JsonDocument.Parse(value);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"A tool state value is JSON; this is not: {ex.Message}", nameof(value), ex);
        }
    }

    public static string WriteEntry(ToolStateEntry? entry) => JsonSerializer.Serialize(ToJson(entry), ToolStateJson.Default.EntryJson);

    public static ToolStateEntry? ReadEntry(ToolStateKey key, string? json) =>
        FromJson(key, JsonSerializer.Deserialize(json ?? "null", ToolStateJson.Default.EntryJson));

    public static string WriteResult(CompareAndSetResult result) =>
        JsonSerializer.Serialize(new ResultJson(result.Succeeded, ToJson(result.Entry)), ToolStateJson.Default.ResultJson);

    public static CompareAndSetResult ReadResult(ToolStateKey key, string? json)
    {
        var result = JsonSerializer.Deserialize(json ?? "null", ToolStateJson.Default.ResultJson)
            ?? throw new InvalidOperationException("A compare-and-set step was journaled without its result.");
        return new CompareAndSetResult(result.Succeeded, FromJson(key, result.Entry));
    }

    private static EntryJson? ToJson(ToolStateEntry? entry) =>
        entry is null ? null : new EntryJson(entry.Value, entry.Version, entry.UpdatedAt, entry.TaskId, entry.StepSeq);

    private static ToolStateEntry? FromJson(ToolStateKey key, EntryJson? json) =>
        json is null ? null : new ToolStateEntry(key, json.Value, json.Version, json.UpdatedAt, json.TaskId, json.StepSeq);
}

/// <summary>An entry as its step's result holds it; the key is the step's own. The value stays a string, byte for byte.</summary>
internal sealed record EntryJson(string Value, long Version, DateTimeOffset UpdatedAt, string? TaskId, int? StepSeq);

/// <summary>A compare-and-set's outcome as its step's result holds it.</summary>
internal sealed record ResultJson(bool Succeeded, EntryJson? Entry);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EntryJson))]
[JsonSerializable(typeof(ResultJson))]
internal sealed partial class ToolStateJson : JsonSerializerContext;
