using Keel.Journal;
using Keel.Storage;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Workers;

namespace Keel.Forks;

/// <summary>
/// Fork and replay: a new task that starts with the recorded results of another task's steps before step N and
/// runs its agent live from step N on, so a developer can re-run a whole agent from the step that went wrong,
/// with another model or an edited result, without paying again for the steps before it.
/// </summary>
/// <remarks>
/// <para>
/// The fork is the source's agent, customer, session and input, linked to the source by
/// <see cref="AgentTask.ForkedFrom"/> and <see cref="AgentTask.ForkedAtStep"/>. Its journal starts with copies of
/// the source's steps 1 to N-1 (kind, name, status, result or error, tokens and times), so when it runs, the agent's
/// code replays them as any resumed task does and takes step N live. The copies carry no usage (their cost stays
/// with the source, and budgets are not charged again), no retries or fallbacks, and each has a span marked
/// <see cref="ReusedFromAttribute"/> with the source's id, holding the source span's attributes and context snapshot.
/// A fork of a child task runs on its own: it is not a child of the source's parent.
/// </para>
/// <para>
/// An edit (<see cref="ForkOptions.EditMessage"/>) replaces the result of step N-1, which then counts as succeeded
/// (a failed step gets the result it should have had). The text becomes: for a tool, child or approval step, the
/// result itself, verbatim; for a model step, a whole message when the text is a JSON chat message in the OpenAI
/// form (an object with a <c>role</c>), else the text of the recorded message, whose role and tool calls stay; for
/// a <c>StepAsync</c> step, its JSON result when the text is JSON, else a JSON string of the text. Timer and state
/// steps cannot be edited. The edited step's span is marked <see cref="EditedAttribute"/>.
/// </para>
/// </remarks>
public static class TaskForks
{
    /// <summary>The span attribute that marks a step reused from another task; its value is that task's id.</summary>
    public const string ReusedFromAttribute = "keel.reused_from";

    /// <summary>The span attribute that marks a reused step whose result was edited when it was forked.</summary>
    public const string EditedAttribute = "keel.edited";

    /// <summary>
    /// Forks a task from step <paramref name="fromStep"/> and leaves the fork pending, for any worker that runs its
    /// agent.
    /// </summary>
    /// <param name="sourceTaskId">The task to fork, or a prefix that names only it.</param>
    /// <param name="fromStep">The first step the fork runs live: 1 reuses nothing, one past the source's last step reuses all.</param>
    /// <exception cref="ForkException">No such task, a step outside its journal, or an edit that does not fit the step.</exception>
    /// <exception cref="Routing.UnknownModelException">The model override is not one of <see cref="ForkOptions.Models"/>.</exception>
    /// <exception cref="AmbiguousTaskIdException">The prefix names more than one task.</exception>
    public static async Task<TaskFork> ForkAsync(IKeelStore store, string sourceTaskId, int fromStep, ForkOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new ForkOptions();
        var source = await FindSourceAsync(store, sourceTaskId, cancellationToken).ConfigureAwait(false);
        return await CreateAsync(store, source, fromStep, options, lease: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forks a task and runs the fork here, now, with <paramref name="runtime"/>, until it ends or parks (as
    /// <see cref="AgentRuntime.RunAsync"/> runs a new task). Its agent and model override are checked before the
    /// fork is created. Should this process stop, the fork's lease runs out and a worker with its agent resumes it.
    /// </summary>
    /// <returns>The fork, its task in the state the run left it.</returns>
    /// <exception cref="ForkException">As <see cref="ForkAsync"/>, or <paramref name="agents"/> lacks the source's agent.</exception>
    public static async Task<TaskFork> RunAsync(AgentRuntime runtime, AgentRegistry agents, string sourceTaskId, int fromStep, ForkOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(agents);
        options = (options ?? new ForkOptions()) with { Models = runtime.Models.Catalog, TimeProvider = runtime.Time };
        var source = await FindSourceAsync(runtime.Store, sourceTaskId, cancellationToken).ConfigureAwait(false);
        if (!agents.Names.Contains(source.Agent))
        {
            throw new ForkException($"Task {source.Id} ran agent '{source.Agent}', which is not registered here, so its fork cannot run here.");
        }

        var agent = agents.Get(source.Agent);
        var fork = await CreateAsync(runtime.Store, source, fromStep, options, (runtime.InlineWorker, runtime.Lease), cancellationToken).ConfigureAwait(false);
        var settled = await runtime.ExecuteAsync(fork.Task, agent, runtime.InlineWorker, failOnCancel: false, cancellationToken).ConfigureAwait(false);
        return fork with { Task = settled };
    }

    private static async Task<AgentTask> FindSourceAsync(IKeelStore store, string sourceTaskId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceTaskId);
        return await store.FindTaskAsync(sourceTaskId, cancellationToken).ConfigureAwait(false)
            ?? throw new ForkException($"No task '{sourceTaskId}'.");
    }

    /// <param name="lease">The worker the fork starts leased to, running, and for how long; null creates it pending.</param>
    private static async Task<TaskFork> CreateAsync(
        IKeelStore store, AgentTask source, int fromStep, ForkOptions options, (string Worker, TimeSpan Duration)? lease, CancellationToken cancellationToken)
    {
        var journal = await store.GetStepsAsync(source.Id, cancellationToken).ConfigureAwait(false);
        var next = journal.Count == 0 ? 1 : journal.Max(s => s.Seq) + 1;
        if (fromStep < 1 || fromStep > next)
        {
            throw new ForkException(
                $"Cannot fork task {source.Id} from step {fromStep}: it has {next - 1} step{(next == 2 ? "" : "s")}, so a fork starts at a step from 1 to {next}.");
        }

        if (options.EditMessage is not null && fromStep == 1)
        {
            throw new ForkException("An edit replaces the result of the step before the fork point, and a fork from step 1 reuses no step: fork from step 2 or later.");
        }

        var reused = journal.Where(s => s.Seq < fromStep).OrderBy(s => s.Seq).ToList();
        var editedSeq = options.EditMessage is null ? (int?)null : fromStep - 1;
        if (editedSeq is { } toEdit && reused.All(s => s.Seq != toEdit))
        {
            throw new ForkException($"Task {source.Id} has no step {toEdit} to edit.");
        }

        var modelOverride = ModelOverride(source, reused, options);
        var now = (options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        var fork = new AgentTask
        {
            Id = KeelIds.NewTaskId(), Agent = source.Agent, CustomerId = source.CustomerId, SessionId = source.SessionId, Input = source.Input,
            ForkedFrom = source.Id, ForkedAtStep = fromStep, ModelOverride = modelOverride, CreatedAt = now,
        };
        if (lease is { } leased)
        {
            fork = fork with { Status = AgentTaskStatus.Running, StartedAt = now, LeaseOwner = leased.Worker, LeaseExpiresAt = now + leased.Duration };
        }

        var sourceSpans = reused.Count == 0 ? [] : await store.GetSpansAsync(source.Id, cancellationToken).ConfigureAwait(false);
        var (traceId, rootSpanId) = TraceIds.ForTask(fork.Id);
        var scope = new SpanScope(traceId, rootSpanId, fork.Id);
        var commits = reused.Select(step =>
        {
            var edited = step.Seq == editedSeq;
            return ReusedStep.Commit(fork, scope, source, edited ? StepEdit.Apply(step, options.EditMessage!) : step, sourceSpans, edited);
        }).ToList();
        await store.CreateForkAsync(fork, commits, cancellationToken).ConfigureAwait(false);
        return new TaskFork(fork, source.Id, commits.Count, editedSeq);
    }

    /// <summary>
    /// The fork's model override: the one asked for, else the source's own. The journal accepts a reused model step
    /// under the code's alias or the fork's override, so a step the source's override served needs the same one.
    /// </summary>
    private static string? ModelOverride(AgentTask source, IReadOnlyList<StepRecord> reused, ForkOptions options)
    {
        var modelOverride = options.ModelOverride ?? source.ModelOverride;
        if (modelOverride is not null)
        {
            options.Models?.Resolve(modelOverride); // an unknown alias fails here, with the aliases that exist
        }

        if (source.ModelOverride is { } served && served != modelOverride
            && reused.FirstOrDefault(s => s.Kind == StepKind.Model && s.Name == served) is { } step)
        {
            throw new ForkException(
                $"Task {source.Id} is itself a fork that called model '{served}' instead of its agent's; its step {step.Seq} is reused, so the fork must keep '{served}'. Fork from step {step.Seq} or earlier to change the model.");
        }

        return modelOverride;
    }
}
