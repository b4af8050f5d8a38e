namespace Keel.Memory.Retrieval;

/// <summary>The parts of a <see cref="MemoryFilter"/> checked in memory on a cached scope (the store checks them in SQL).</summary>
internal static class FilterMatch
{
    /// <summary>True when a stored memory's exact scope falls within a filter's scope.</summary>
    public static bool Covers(MemoryScope filter, MemoryScope exact) =>
        filter.CustomerId == exact.CustomerId
        && (filter.UserId is null || filter.UserId == exact.UserId)
        && (filter.AgentId is null || filter.AgentId == exact.AgentId)
        && (filter.SessionId is null || filter.SessionId == exact.SessionId);

    /// <summary>True when only the scope is given: the cached scope answers it as it is.</summary>
    public static bool IsScopeOnly(MemoryFilter filter) =>
        filter.Kinds.Count == 0 && filter.OccurredFrom is null && filter.OccurredTo is null && (filter.Source is null || filter.Source.IsEmpty);

    /// <summary>True when a current memory of the filter's scope passes its kinds, time range and source.</summary>
    public static bool Matches(MemoryFilter filter, MemoryRecord memory)
    {
        if (filter.Kinds.Count > 0 && !filter.Kinds.Contains(memory.Kind))
        {
            return false;
        }

        if ((filter.OccurredFrom is { } from && memory.OccurredAt < from) || (filter.OccurredTo is { } to && memory.OccurredAt >= to))
        {
            return false;
        }

        if (filter.Source is not { } source)
        {
            return true;
        }

        var s = memory.Source;
        return (source.SessionId is null || source.SessionId == s.SessionId)
            && (source.TaskId is null || source.TaskId == s.TaskId)
            && (source.StepSeq is null || source.StepSeq == s.StepSeq)
            && (source.MessageId is null || source.MessageId == s.MessageId)
            && (source.ExternalId is null || source.ExternalId == s.ExternalId);
    }
}
