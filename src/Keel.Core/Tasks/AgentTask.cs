namespace Keel.Tasks;

/// <summary>One run of an agent: the unit that is journaled, traced, priced and (later) billed.</summary>
public sealed record AgentTask
{
    public required string Id { get; init; }
    public required string Agent { get; init; }
    public required string CustomerId { get; init; }
    public string? SessionId { get; init; }
    /// <summary>The task that started this one as a child (see <see cref="ParentStep"/>).</summary>
    public string? ParentId { get; init; }

    /// <summary>The parent's journal step that started this child task.</summary>
    public int? ParentStep { get; init; }

    /// <summary>The task this one was forked from by a replay; its steps before <see cref="ForkedAtStep"/> were reused.</summary>
    public string? ForkedFrom { get; init; }

    public int? ForkedAtStep { get; init; }

    /// <summary>A model alias every model call of the task uses instead of the one its code names (a replay's <c>--set-model</c>).</summary>
    public string? ModelOverride { get; init; }

    /// <summary>When a waiting task becomes runnable again (a durable timer, an approval's timeout); null waits for an event.</summary>
    public DateTimeOffset? WakeAt { get; init; }

    /// <summary>The worker that holds the task while it runs, and until when; an expired lease lets another worker take it.</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public AgentTaskStatus Status { get; init; } = AgentTaskStatus.Pending;
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? Error { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>How the task ended for the business, once reported.</summary>
    public Oversight.TaskOutcome? Outcome { get; init; }

    /// <summary>What the outcome was worth (a refund recovered, tickets resolved), for billing by outcome value.</summary>
    public decimal? OutcomeValue { get; init; }
}
