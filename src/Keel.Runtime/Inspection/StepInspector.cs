using Keel.Journal;
using Keel.Storage;
using Keel.Tracing;

namespace Keel.Inspection;

/// <summary>
/// Inspects one step of a task from what the store recorded: the context window a model step was sent, its diff
/// against the previous model call, a tool step's arguments and result, and a failed step's error path.
/// </summary>
/// <remarks>
/// <para>
/// The <b>error path</b> of a failed step is every earlier step whose output fed it, directly or through other
/// steps, newest first. What feeds a step:
/// </para>
/// <list type="bullet">
/// <item>a <b>model</b> step is fed by the steps whose outputs are in its context window: the model steps whose
/// answers it holds (matched by their tool call ids, else by the same text), and the tool steps whose results it
/// holds (matched by the call id on the tool's span, else by journal order: the next tool step of that name after
/// the model call that asked for it). A tool result that no tool step produced came from the code between that call
/// and the next model call (an approval gate that refused, say): the approval steps there fed it;</item>
/// <item>a <b>tool</b> step is fed by the model step whose tool call asked for it (by call id, else the nearest
/// earlier model step that called that tool);</item>
/// <item>other steps (journaled code, timers, state, child tasks, approvals) have no recorded inputs, so a path
/// ends at them.</item>
/// </list>
/// <para>
/// The path follows these links back from the failed step until no step has an earlier feeder. A refund the
/// payment provider declined (<c>draft_refund</c> failed) leads to the model call that asked for it, which was fed
/// by <c>check_refund_policy</c>, <c>lookup_order</c> and the model calls that asked for them. Messages the task
/// started with (instructions, the user's input, session history) come from no step and are not on a path, nor is a
/// step whose output was dropped from the context before the failure.
/// </para>
/// </remarks>
public static class StepInspector
{
    // OpenTelemetry gen_ai attributes, opt-in because they carry content: spans from other frameworks may hold a
    // tool call's arguments and result in them.
    private const string ToolArgumentsAttribute = "gen_ai.tool.call.arguments";
    private const string ToolResultAttribute = "gen_ai.tool.call.result";

    /// <summary>Inspects step <paramref name="seq"/> of the task; null when the task has no such step.</summary>
    /// <param name="taskId">The task's full id (resolve a prefix with <see cref="IKeelStore.FindTaskAsync"/> first).</param>
    public static async Task<StepInspection?> InspectAsync(IKeelStore store, string taskId, int seq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(taskId);
        var steps = await store.GetStepsAsync(taskId, cancellationToken).ConfigureAwait(false);
        if (steps.FirstOrDefault(s => s.Seq == seq) is not { } step)
        {
            return null;
        }

        var spans = await store.GetSpansAsync(taskId, cancellationToken).ConfigureAwait(false);
        var contexts = new ContextLoader(store, spans);
        var lineage = new StepLineage(steps, spans);

        ContextWindow? context = null;
        ContextDiff? diff = null;
        if (step.Kind == StepKind.Model && await contexts.LoadAsync(seq, cancellationToken).ConfigureAwait(false) is { } window)
        {
            context = window;
            foreach (var previous in steps.Where(s => s.Kind == StepKind.Model && s.Seq < seq).OrderByDescending(s => s.Seq))
            {
                if (await contexts.LoadAsync(previous.Seq, cancellationToken).ConfigureAwait(false) is { } before)
                {
                    diff = ContextDiffer.Diff(previous.Seq, before.Messages, window.Messages);
                    break;
                }
            }
        }

        var path = step.Status == StepStatus.Failed
            ? await ErrorPathAsync(step, steps, lineage, contexts, cancellationToken).ConfigureAwait(false)
            : [];
        return new StepInspection(step, context, diff, path, step.Kind == StepKind.Tool ? Tool(step, spans, lineage) : null, step.Result, step.Error);
    }

    private static ToolInvocation Tool(StepRecord step, IReadOnlyList<SpanRecord> spans, StepLineage lineage)
    {
        var span = spans.FirstOrDefault(s => s.StepSeq == step.Seq);
        var arguments = (span is null ? null : StepLineage.Attribute(span, ToolArgumentsAttribute)) ?? lineage.CallFor(step)?.Arguments;
        var result = step.Status == StepStatus.Succeeded ? step.Result ?? (span is null ? null : StepLineage.Attribute(span, ToolResultAttribute)) : null;
        return new ToolInvocation(arguments, result);
    }

    private static async Task<IReadOnlyList<int>> ErrorPathAsync(StepRecord failed, IReadOnlyList<StepRecord> steps, StepLineage lineage, ContextLoader contexts, CancellationToken cancellationToken)
    {
        // Newest first, so that a step's feeders are all known before it is expanded: in a context that only grows,
        // the failed step's own window already names every earlier output, and older windows need not be read.
        var seen = new HashSet<int>();
        var queue = new PriorityQueue<int, int>();
        foreach (var feeder in await FeedersAsync(failed, steps, lineage, contexts, seen, cancellationToken).ConfigureAwait(false))
        {
            if (seen.Add(feeder))
            {
                queue.Enqueue(feeder, -feeder);
            }
        }

        var path = new List<int>();
        while (queue.TryDequeue(out var seq, out _))
        {
            path.Add(seq);
            if (lineage.Step(seq) is not { } step)
            {
                continue;
            }

            foreach (var feeder in await FeedersAsync(step, steps, lineage, contexts, seen, cancellationToken).ConfigureAwait(false))
            {
                if (seen.Add(feeder))
                {
                    queue.Enqueue(feeder, -feeder);
                }
            }
        }

        return path;
    }

    private static async Task<IEnumerable<int>> FeedersAsync(StepRecord step, IReadOnlyList<StepRecord> steps, StepLineage lineage, ContextLoader contexts, HashSet<int> seen, CancellationToken cancellationToken)
    {
        switch (step.Kind)
        {
            case StepKind.Model:
                // Skipping a window whose every possible producer is already on the path changes nothing but the cost.
                if (steps.Where(s => s.Seq < step.Seq && lineage.CanFeedContext(s)).All(s => seen.Contains(s.Seq)))
                {
                    return [];
                }

                return await contexts.LoadAsync(step.Seq, cancellationToken).ConfigureAwait(false) is { } window
                    ? lineage.Producers(step.Seq, window.Messages).ToList()
                    : [];
            case StepKind.Tool:
                return lineage.AskedBy(step) is { } asker ? [asker] : [];
            default:
                return [];
        }
    }

    /// <summary>Reads each model step's context window once, from the snapshot its span names.</summary>
    private sealed class ContextLoader(IKeelStore store, IReadOnlyList<SpanRecord> spans)
    {
        private readonly Dictionary<int, ContextWindow?> _windows = [];

        public async ValueTask<ContextWindow?> LoadAsync(int seq, CancellationToken cancellationToken)
        {
            if (_windows.TryGetValue(seq, out var window))
            {
                return window;
            }

            // The step's own span holds the snapshot; its attempts' spans hold none.
            var snapshotId = spans.Where(s => s.StepSeq == seq && s.SnapshotId is not null)
                .OrderBy(s => s.Attributes.ContainsKey(GenAiAttributes.KeelAttempt))
                .Select(s => s.SnapshotId)
                .FirstOrDefault();
            var entries = snapshotId is null ? null : await store.GetSnapshotAsync(snapshotId, cancellationToken).ConfigureAwait(false);
            window = entries is null ? null : ContextWindow.Parse(entries);
            _windows[seq] = window;
            return window;
        }
    }
}

