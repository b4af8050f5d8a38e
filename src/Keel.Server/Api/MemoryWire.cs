using Keel.Memory;
using Keel.Memory.Retrieval;

namespace Keel.Server.Api;

/// <summary>
/// Between the memory API's JSON and the memory model, shared by REST, MCP and the CLI so that all three accept
/// and refuse the same input with the same words.
/// </summary>
public static class MemoryWire
{
    public const int MaxTextLength = 32_000;
    public const int MaxBatch = 1_000;
    public const int MaxK = 100;
    public const int MaxNeighbours = 10;
    public const int MaxListLimit = 1_000;

    public static string KindName(MemoryKind kind) => kind.ToString().ToLowerInvariant();

    /// <exception cref="MemoryInputException">Not one of the kinds.</exception>
    public static MemoryKind ParseKind(string? text, string param = "kind", MemoryKind fallback = MemoryKind.Semantic)
    {
        if (text is null)
        {
            return fallback;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "episodic" => MemoryKind.Episodic,
            "semantic" => MemoryKind.Semantic,
            "procedural" => MemoryKind.Procedural,
            _ => throw new MemoryInputException($"'{param}' must be episodic, semantic or procedural, not '{text}'.", param),
        };
    }

    public static IReadOnlyList<MemoryKind> ParseKinds(IEnumerable<string>? kinds, string param = "kinds") =>
        kinds is null ? [] : [.. kinds.SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(k => ParseKind(k, param)).Distinct()];

    /// <summary>The customer's scope narrowed by the parts given (blank parts count as not given).</summary>
    public static MemoryScope Scope(string customerId, string? userId, string? agentId, string? sessionId) =>
        new(customerId, Part(userId, "user_id"), Part(agentId, "agent_id"), Part(sessionId, "session_id"));

    public static MemorySource? Source(MemorySourceJson? source)
    {
        if (source is null)
        {
            return null;
        }

        if (source.StepSeq is < 1)
        {
            throw new MemoryInputException("'source.step_seq' must be 1 or more.", "source.step_seq");
        }

        var parsed = new MemorySource(
            Part(source.SessionId, "source.session_id"), Part(source.TaskId, "source.task_id"), source.StepSeq,
            Part(source.MessageId, "source.message_id"), Part(source.ExternalId, "source.external_id"));
        return parsed.IsEmpty ? null : parsed;
    }

    /// <exception cref="MemoryInputException">The text is missing or too long, a number is out of range, a scope part is blank.</exception>
    public static NewMemory ToNew(string customerId, MemoryInputJson input, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(input);
        if (string.IsNullOrWhiteSpace(input.Text))
        {
            throw new MemoryInputException($"'{prefix}text' is required: the memory itself, in plain words.", prefix + "text");
        }

        if (input.Text.Length > MaxTextLength)
        {
            throw new MemoryInputException($"'{prefix}text' is longer than {MaxTextLength} characters; store a summary, or split it.", prefix + "text");
        }

        if (input.Importance is { } importance && (!double.IsFinite(importance) || importance < 0 || importance > 1))
        {
            throw new MemoryInputException($"'{prefix}importance' must be from 0 to 1.", prefix + "importance");
        }

        var supersedes = input.Supersedes ?? [];
        if (supersedes.Any(string.IsNullOrWhiteSpace))
        {
            throw new MemoryInputException($"'{prefix}supersedes' must list memory ids (mem_...).", prefix + "supersedes");
        }

        return new NewMemory(
            Scope(customerId, input.UserId, input.AgentId, input.SessionId),
            ParseKind(input.Kind, prefix + "kind"),
            input.Text.Trim(),
            Source(input.Source),
            input.Importance ?? 0.5,
            input.OccurredAt)
        {
            FactKey = Part(input.FactKey, prefix + "fact_key"),
            Supersedes = [.. supersedes.Distinct(StringComparer.Ordinal)],
            ValidFrom = input.ValidFrom,
        };
    }

    /// <exception cref="MemoryInputException">The query is empty, k or neighbours out of range, a time range backwards.</exception>
    public static MemoryQuery ToQuery(string customerId, MemorySearchRequestJson request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Query))
        {
            throw new MemoryInputException("'query' is required: what to look for, in plain words.", "query");
        }

        var k = request.K ?? 10;
        if (k is < 1 or > MaxK)
        {
            throw new MemoryInputException($"'k' must be from 1 to {MaxK}.", "k");
        }

        var neighbours = request.Neighbours ?? 0;
        if (neighbours is < 0 or > MaxNeighbours)
        {
            throw new MemoryInputException($"'neighbours' must be from 0 to {MaxNeighbours}.", "neighbours");
        }

        var filter = Filter(customerId, request.UserId, request.AgentId, request.SessionId, request.Kinds, request.OccurredFrom, request.OccurredTo,
            request.Source, request.IncludeHistory ?? false, request.AsOf);
        return new MemoryQuery(filter, request.Query.Trim(), k) { Neighbours = neighbours, Scoring = request.Scoring };
    }

    public static MemoryFilter Filter(string customerId, string? userId, string? agentId, string? sessionId, IEnumerable<string>? kinds,
        DateTimeOffset? occurredFrom, DateTimeOffset? occurredTo, MemorySourceJson? source, bool includeHistory, DateTimeOffset? asOf)
    {
        if (occurredFrom is { } from && occurredTo is { } to && from > to)
        {
            throw new MemoryInputException("'occurred_from' must not be after 'occurred_to'.", "occurred_from");
        }

        return new MemoryFilter(Scope(customerId, userId, agentId, sessionId))
        {
            Kinds = ParseKinds(kinds),
            OccurredFrom = occurredFrom,
            OccurredTo = occurredTo,
            Source = Source(source),
            IncludeHistory = includeHistory,
            AsOf = asOf,
        };
    }

    /// <summary>What to forget. With no ids and no source it erases the whole scope, and only when asked to in so many words.</summary>
    public static MemoryForgetRequest ToForget(string customerId, MemoryForgetRequestJson request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ids = request.Ids ?? [];
        if (ids.Any(string.IsNullOrWhiteSpace))
        {
            throw new MemoryInputException("'ids' must list memory ids (mem_...).", "ids");
        }

        var source = Source(request.Source);
        var all = request.AllInScope ?? false;
        if (ids.Count == 0 && source is null && !all)
        {
            throw new MemoryInputException(
                "Say what to forget: 'ids', a 'source' (session_id, task_id, step_seq, message_id, external_id), or \"all_in_scope\": true to erase everything in the scope given by user_id/agent_id/session_id (the whole customer when none is given).",
                "all_in_scope");
        }

        if (all && (ids.Count > 0 || source is not null))
        {
            throw new MemoryInputException("'all_in_scope' erases the whole scope; do not combine it with 'ids' or 'source'.", "all_in_scope");
        }

        return new MemoryForgetRequest(Scope(customerId, request.UserId, request.AgentId, request.SessionId))
        {
            Ids = [.. ids.Distinct(StringComparer.Ordinal)],
            Source = source,
        };
    }

    public static MemoryJson ToJson(MemoryRecord memory, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var source = memory.Source;
        return new MemoryJson(
            memory.Id, "memory", KindName(memory.Kind), memory.Text, memory.Scope.UserId, memory.Scope.AgentId, memory.Scope.SessionId,
            new MemorySourceJson(source.SessionId, source.TaskId, source.StepSeq, source.MessageId, source.ExternalId),
            memory.Importance, memory.OccurredAt, memory.CreatedAt, memory.ValidFrom, memory.ValidTo, memory.SupersededBy, memory.FactKey,
            memory.SupersededBy is null && memory.IsCurrentAt(now));
    }

    public static MemoryWriteJson ToJson(MemoryWriteResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new MemoryWriteJson(ToJson(result.Memory, now), result.Deduplicated, result.Superseded);
    }

    public static MemorySearchJson ToJson(MemorySearchResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new MemorySearchJson("list",
            [.. result.Hits.Select(h => new MemoryHitJson(ToJson(h.Memory, now), h.Score,
                new MemoryScorePartsJson(h.Parts.Vector, h.Parts.Text, h.Parts.Recency, h.Parts.Importance), h.IsNeighbour))],
            result.Approximate, result.Elapsed.TotalMilliseconds);
    }

    private static string? Part(string? value, string param)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            throw new MemoryInputException($"'{param}' must not be blank; leave it out instead.", param);
        }

        return trimmed;
    }
}
