using Keel.Journal;
using Keel.Tracing;

namespace Keel.Inspection;

/// <summary>
/// Which step produced which output of a task: each model answer and tool call id, and the tool step (or, when code
/// answered instead of the tool, the approval) that produced each tool result. Built from the journal and the
/// spans alone; the rule it serves is on <see cref="StepInspector"/>.
/// </summary>
internal sealed class StepLineage
{
    private readonly Dictionary<int, StepRecord> _steps;
    private readonly Dictionary<int, ContextMessage> _answers = [];
    private readonly Dictionary<string, int> _askedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _answeredBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<int>> _resultOf = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _callIdOfTool = [];
    private readonly HashSet<int> _gateApprovals = [];

    public StepLineage(IReadOnlyList<StepRecord> steps, IReadOnlyList<SpanRecord> spans)
    {
        _steps = steps.ToDictionary(s => s.Seq);
        foreach (var step in steps.Where(s => s is { Kind: StepKind.Model, Result: not null }))
        {
            var answer = ContextMessage.Parse(step.Result!);
            _answers[step.Seq] = answer;
            foreach (var call in answer.ToolCalls.Where(c => c.Id.Length > 0))
            {
                _askedBy.TryAdd(call.Id, step.Seq);
            }

            if (!_answeredBy.TryGetValue(Key(answer), out var seqs))
            {
                _answeredBy[Key(answer)] = seqs = [];
            }

            seqs.Add(step.Seq);
        }

        foreach (var span in spans.Where(s => s.StepSeq is { } seq && _steps.TryGetValue(seq, out var step) && step.Kind == StepKind.Tool))
        {
            if (Attribute(span, GenAiAttributes.ToolCallId) is { Length: > 0 } callId)
            {
                _callIdOfTool[span.StepSeq!.Value] = callId;
                _resultOf[callId] = [span.StepSeq.Value];
            }
        }

        MatchByJournalOrder(steps);
    }

    public StepRecord? Step(int seq) => _steps.GetValueOrDefault(seq);

    /// <summary>Whether a step's output can be a message of a later context: a model answer or a tool result.</summary>
    public bool CanFeedContext(StepRecord step) => step.Kind is StepKind.Model or StepKind.Tool || _gateApprovals.Contains(step.Seq);

    /// <summary>The id the model gave the call a tool step answered, when known.</summary>
    public string? CallIdOf(int toolSeq) => _callIdOfTool.GetValueOrDefault(toolSeq);

    /// <summary>The model step whose answer asked for a tool step: by call id, else the nearest earlier one that called that tool.</summary>
    public int? AskedBy(StepRecord tool)
    {
        if (CallIdOf(tool.Seq) is { } callId && _askedBy.TryGetValue(callId, out var seq) && seq < tool.Seq)
        {
            return seq;
        }

        return _answers.Where(a => a.Key < tool.Seq && a.Value.ToolCalls.Any(c => c.Name == tool.Name)).Select(a => (int?)a.Key).Max();
    }

    /// <summary>The tool call of the model's answer that a tool step carried out, for its arguments.</summary>
    public ContextToolCall? CallFor(StepRecord tool)
    {
        if (AskedBy(tool) is not { } asker)
        {
            return null;
        }

        var calls = _answers[asker].ToolCalls;
        return CallIdOf(tool.Seq) is { } callId ? calls.FirstOrDefault(c => c.Id == callId) : calls.FirstOrDefault(c => c.Name == tool.Name);
    }

    /// <summary>The earlier steps whose outputs are messages of <paramref name="context"/>: model answers and tool results.</summary>
    public IEnumerable<int> Producers(int consumerSeq, IReadOnlyList<ContextMessage> context)
    {
        foreach (var message in context)
        {
            foreach (var result in message.ToolResults)
            {
                if (_resultOf.TryGetValue(result.CallId, out var producers))
                {
                    foreach (var seq in producers.Where(s => s < consumerSeq))
                    {
                        yield return seq;
                    }
                }
            }

            if (message.Role == "assistant" && AnswerOf(message, consumerSeq) is { } answer)
            {
                yield return answer;
            }
        }
    }

    /// <summary>
    /// The model step that gave this answer: the one that made its tool calls, else the latest earlier one whose
    /// answer reads the same.
    /// </summary>
    private int? AnswerOf(ContextMessage message, int before)
    {
        foreach (var call in message.ToolCalls)
        {
            if (_askedBy.TryGetValue(call.Id, out var seq) && seq < before)
            {
                return seq;
            }
        }

        return _answeredBy.TryGetValue(Key(message), out var seqs) ? seqs.Where(s => s < before).Select(s => (int?)s).LastOrDefault() : null;
    }

    /// <summary>
    /// Calls whose result no span names (a tool step without a call id, or a gate that answered instead of the tool):
    /// between the asking model step and the next one, the next unclaimed tool step of that name produced it, or,
    /// when there is none, the approval steps there did.
    /// </summary>
    private void MatchByJournalOrder(IReadOnlyList<StepRecord> steps)
    {
        var ordered = steps.OrderBy(s => s.Seq).ToList();
        var claimed = _resultOf.Values.SelectMany(s => s).ToHashSet();
        foreach (var (asker, answer) in _answers.OrderBy(a => a.Key))
        {
            var window = ordered.SkipWhile(s => s.Seq <= asker).TakeWhile(s => s.Kind != StepKind.Model).ToList();
            foreach (var call in answer.ToolCalls.Where(c => c.Id.Length > 0 && !_resultOf.ContainsKey(c.Id)))
            {
                if (window.FirstOrDefault(s => s.Kind == StepKind.Tool && s.Name == call.Name && !claimed.Contains(s.Seq) && !_callIdOfTool.ContainsKey(s.Seq)) is { } tool)
                {
                    claimed.Add(tool.Seq);
                    _callIdOfTool[tool.Seq] = call.Id;
                    _resultOf[call.Id] = [tool.Seq];
                }
                else if (window.Where(s => s.Kind == StepKind.Approval).Select(s => s.Seq).ToList() is { Count: > 0 } approvals)
                {
                    _resultOf[call.Id] = approvals;
                    _gateApprovals.UnionWith(approvals);
                }
            }
        }
    }

    private static string Key(ContextMessage message) => message.Role + "\u001f" + message.Describe();

    /// <summary>A span attribute as text, however the store typed it.</summary>
    public static string? Attribute(SpanRecord span, string name) =>
        span.Attributes.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            string s => s,
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } e => e.GetString(),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        } : null;
}
