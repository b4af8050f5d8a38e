using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Keel.Memory.Retrieval;

namespace Keel.Server.Api;

/// <summary>
/// The memory API's JSON (REST, MCP tools, CLI <c>--json</c>): snake_case, source-generated. Requests refuse
/// unknown fields, so a misspelt filter is a 400 naming it rather than a search that silently ignores it.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(MemoryInputJson))]
[JsonSerializable(typeof(MemoryBatchInputJson))]
[JsonSerializable(typeof(MemorySearchRequestJson))]
[JsonSerializable(typeof(MemoryForgetRequestJson))]
[JsonSerializable(typeof(MemoryContextRequestJson))]
[JsonSerializable(typeof(MemoryJson))]
[JsonSerializable(typeof(MemoryWriteJson))]
[JsonSerializable(typeof(MemoryWriteListJson))]
[JsonSerializable(typeof(MemoryListJson))]
[JsonSerializable(typeof(MemorySearchJson))]
[JsonSerializable(typeof(MemoryDeletedJson))]
[JsonSerializable(typeof(MemoryForgetJson))]
[JsonSerializable(typeof(ToolStateJson))]
[JsonSerializable(typeof(MemoryContextJson))]
[JsonSerializable(typeof(MemoryRetentionRequestJson))]
[JsonSerializable(typeof(MemoryRetentionJson))]
[JsonSerializable(typeof(MemoryRetentionListJson))]
[JsonSerializable(typeof(MemoryRetentionApplyJson))]
public sealed partial class MemoryApiJson : JsonSerializerContext
{
    /// <summary>The same contracts with OpenAI's escaping (non-ASCII text stays as written), for bodies and tool results.</summary>
    public static MemoryApiJson Wire { get; } = new(WireOptions(indented: false));

    /// <summary>Indented, for people reading the CLI's <c>--json</c>.</summary>
    public static MemoryApiJson Indented { get; } = new(WireOptions(indented: true));

    // Built here rather than copied from Default: static initializers of partial classes run in no promised order.
    private static JsonSerializerOptions WireOptions(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = indented,
    };
}

/// <summary>Where a memory came from. Every part is optional; as a filter each part given must match.</summary>
public sealed record MemorySourceJson(
    string? SessionId = null,
    string? TaskId = null,
    int? StepSeq = null,
    string? MessageId = null,
    string? ExternalId = null);

/// <summary>One memory to add (POST /v1/memories, memory_add).</summary>
public sealed record MemoryInputJson
{
    public string? Text { get; init; }

    /// <summary>episodic, semantic (the default) or procedural.</summary>
    public string? Kind { get; init; }

    public string? UserId { get; init; }

    public string? AgentId { get; init; }

    public string? SessionId { get; init; }

    public MemorySourceJson? Source { get; init; }

    public double? Importance { get; init; }

    public DateTimeOffset? OccurredAt { get; init; }

    public DateTimeOffset? ValidFrom { get; init; }

    public string? FactKey { get; init; }

    public IReadOnlyList<string>? Supersedes { get; init; }
}

/// <summary>Several memories added in one transaction.</summary>
public sealed record MemoryBatchInputJson(IReadOnlyList<MemoryInputJson>? Memories);

/// <summary>POST /v1/memories/search.</summary>
public sealed record MemorySearchRequestJson
{
    public string? Query { get; init; }

    /// <summary>How many hits (1 to 100; 10 by default).</summary>
    public int? K { get; init; }

    public string? UserId { get; init; }

    public string? AgentId { get; init; }

    public string? SessionId { get; init; }

    public IReadOnlyList<string>? Kinds { get; init; }

    public DateTimeOffset? OccurredFrom { get; init; }

    public DateTimeOffset? OccurredTo { get; init; }

    public MemorySourceJson? Source { get; init; }

    public bool? IncludeHistory { get; init; }

    public DateTimeOffset? AsOf { get; init; }

    /// <summary>Adjacent turns to add around each hit (0 to 10).</summary>
    public int? Neighbours { get; init; }

    /// <summary>The weights of the signals for this query; the service's defaults when absent.</summary>
    public MemoryScoring? Scoring { get; init; }
}

/// <summary>POST /v1/memories/forget: by ids, by source, or (with <see cref="AllInScope"/>) a whole scope.</summary>
public sealed record MemoryForgetRequestJson
{
    public string? UserId { get; init; }

    public string? AgentId { get; init; }

    public string? SessionId { get; init; }

    public IReadOnlyList<string>? Ids { get; init; }

    public MemorySourceJson? Source { get; init; }

    /// <summary>Must be true to erase a whole scope (no ids, no source): an erasure cannot happen by omission.</summary>
    public bool? AllInScope { get; init; }
}

/// <summary>POST /v1/memories/context.</summary>
public sealed record MemoryContextRequestJson
{
    public string? SessionId { get; init; }

    /// <summary>What the memories should be relevant to; the session's newest user message when absent.</summary>
    public string? Query { get; init; }

    public int? TokenBudget { get; init; }

    /// <summary>Narrow the memories searched to this end user's (the whole customer's by default).</summary>
    public string? UserId { get; init; }

    public string? AgentId { get; init; }

    public IReadOnlyList<string>? Kinds { get; init; }

    /// <summary>At most this many memories (0 leaves memories out).</summary>
    public int? MaxMemories { get; init; }
}

/// <summary>An assembled context: the messages to send, what they carry, and what was left out and why.</summary>
public sealed record MemoryContextJson(
    [property: JsonPropertyName("object")] string ObjectType,
    string SessionId,
    int TokenBudget,
    int TotalTokens,
    IReadOnlyList<ContextMessageJson> Messages,
    IReadOnlyList<ContextItemJson> Included,
    IReadOnlyList<ContextLeftOutJson> LeftOut);

public sealed record ContextMessageJson(string Role, string Content);

/// <summary>A piece of context: <c>recent_turn</c>, <c>summary</c> or <c>memory</c>, with its tokens.</summary>
public sealed record ContextItemJson(string Kind, string Id, string Text, int Tokens);

/// <summary>A candidate left out: <c>over_budget</c>, <c>duplicate_of_recent_turn</c>, <c>duplicate</c>, <c>superseded</c> or <c>orphaned_tool_result</c>.</summary>
public sealed record ContextLeftOutJson(string Kind, string Id, string Text, int Tokens, string Reason, string Detail);

/// <summary>A stored memory as the API shows it.</summary>
public sealed record MemoryJson(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    string Kind,
    string Text,
    string? UserId,
    string? AgentId,
    string? SessionId,
    MemorySourceJson Source,
    double Importance,
    DateTimeOffset OccurredAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset ValidFrom,
    DateTimeOffset? ValidTo,
    string? SupersededBy,
    string? FactKey,
    bool Current)
{
    /// <summary>With <c>?history=true</c>: the versions this memory replaced, newest first.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MemoryJson>? History { get; init; }
}

public sealed record MemoryWriteJson(MemoryJson Memory, bool Deduplicated, IReadOnlyList<string> Superseded);

public sealed record MemoryWriteListJson([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<MemoryWriteJson> Data);

public sealed record MemoryListJson([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<MemoryJson> Data, bool HasMore);

public sealed record MemoryScorePartsJson(double? Vector, double? Text, double Recency, double Importance);

public sealed record MemoryHitJson(MemoryJson Memory, double Score, MemoryScorePartsJson Parts, bool Neighbour);

public sealed record MemorySearchJson([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<MemoryHitJson> Data, bool Approximate, double ElapsedMs);

public sealed record MemoryDeletedJson(string Id, [property: JsonPropertyName("object")] string ObjectType, bool Deleted);

public sealed record MemoryForgetJson([property: JsonPropertyName("object")] string ObjectType, int Deleted);

/// <summary>A tool state value (tool_state_get / tool_state_set); <see cref="Value"/> is the stored JSON, parsed.</summary>
public sealed record ToolStateJson(string Scope, string ScopeId, string Tool, string Key, JsonElement? Value, long Version, DateTimeOffset? UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Written = null);
