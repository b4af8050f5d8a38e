using System.Text.Json;
using System.Text.Json.Serialization;
using Keel.Journal;

namespace Keel.Inspection;

/// <summary>
/// Everything a person needs to answer "why did this step do that?": what the model saw, what changed since the
/// previous model call, which earlier steps fed a failure, and a tool's arguments and result. The dashboard's step
/// endpoint and <c>keel trace --step N</c> both print it; its properties map one to one to their snake_case JSON.
/// </summary>
/// <param name="Context">The context window of a model step; null for other steps, or when none was recorded.</param>
/// <param name="Diff">A model step's context against the previous model call of the task; null for the first call.</param>
/// <param name="ErrorPath">For a failed step, the earlier steps whose outputs fed it, newest first (see <see cref="StepInspector"/>); empty otherwise.</param>
/// <param name="Tool">A tool step's arguments and result; null for other steps.</param>
/// <param name="Result">The step's recorded result: for a model step, the answer as an OpenAI-shaped message.</param>
public sealed record StepInspection(
    StepRecord Step,
    ContextWindow? Context,
    ContextDiff? Diff,
    IReadOnlyList<int> ErrorPath,
    ToolInvocation? Tool,
    string? Result,
    string? Error);

/// <summary>The exact window one model call was sent: the request's settings and tools, then its messages in order.</summary>
public sealed record ContextWindow(ModelRequest Request, IReadOnlyList<ContextMessage> Messages)
{
    /// <summary>
    /// Reads a context snapshot as the store returns it: the request first (when it is one: an object without a
    /// <c>role</c>), then one message per entry. Both the SDK's canonical form and the OpenAI wire form a gateway
    /// client sent are read, and the OpenTelemetry gen_ai <c>parts</c> form.
    /// </summary>
    public static ContextWindow Parse(IReadOnlyList<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return ContextReader.Window(entries);
    }
}

/// <param name="Model">The model alias the call asked for.</param>
/// <param name="Parameters">Every other setting of the request (limits, temperature, metadata...), as sent.</param>
public sealed record ModelRequest(string? Model, IReadOnlyDictionary<string, JsonElement> Parameters, IReadOnlyList<ToolDefinition> Tools);

/// <param name="Parameters">The tool's JSON schema, when it declared one.</param>
public sealed record ToolDefinition(string Name, string? Description, JsonElement? Parameters);

/// <summary>One message of a context window, readable: its text, the tools it asked for, the tool results it carries.</summary>
/// <param name="Index">Its position among the window's messages, from 0 (the request is not counted).</param>
/// <param name="Text">Its text; parts that are not text (an image, say) appear as a bracketed placeholder.</param>
public sealed record ContextMessage(int Index, string Role, string Text, IReadOnlyList<ContextToolCall> ToolCalls, IReadOnlyList<ContextToolResult> ToolResults)
{
    /// <summary>Reads one message in any form <see cref="ContextWindow.Parse"/> reads (a model step's recorded answer, say).</summary>
    public static ContextMessage Parse(string json, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ContextReader.Message(json, index);
    }

    /// <summary>The message as lines a person reads: its text, then "→ tool(arguments)" per call and "← result" per result.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        if (Text.Length > 0)
        {
            lines.Add(Text);
        }

        lines.AddRange(ToolCalls.Select(c => $"→ {c.Name}({c.Arguments}) [{c.Id}]"));
        lines.AddRange(ToolResults.Select(r => $"← [{r.CallId}] {r.Result}"));
        return string.Join('\n', lines);
    }
}

/// <param name="Arguments">The arguments the model wrote, as compact JSON text (as written when they are not JSON).</param>
public sealed record ContextToolCall(string Id, string Name, string Arguments);

public sealed record ContextToolResult(string CallId, string Result);

/// <summary>How a model call's context differs from the previous model call's, message by message.</summary>
/// <param name="PreviousSeq">The step it is compared with.</param>
/// <param name="Lines">Every message of both windows once: unchanged, added (only in this one) or removed (only in the previous one).</param>
public sealed record ContextDiff(int PreviousSeq, IReadOnlyList<DiffLine> Lines)
{
    [JsonIgnore]
    public int Same => Lines.Count(l => l.Op == DiffOp.Same);

    [JsonIgnore]
    public int Added => Lines.Count(l => l.Op == DiffOp.Added);

    [JsonIgnore]
    public int Removed => Lines.Count(l => l.Op == DiffOp.Removed);
}

/// <param name="Index">The message's index in the window it is in: this one for same and added, the previous one for removed.</param>
/// <param name="Text">The message as <see cref="ContextMessage.Describe"/> writes it.</param>
public sealed record DiffLine(DiffOp Op, int Index, string Role, string Text);

[JsonConverter(typeof(JsonStringEnumConverter<DiffOp>))]
public enum DiffOp
{
    [JsonStringEnumMemberName("same")]
    Same,

    [JsonStringEnumMemberName("added")]
    Added,

    [JsonStringEnumMemberName("removed")]
    Removed,
}

/// <param name="Arguments">The call's arguments (JSON text), from the tool span or else the model's tool call; null when neither recorded them.</param>
/// <param name="Result">What the tool returned; null when it failed.</param>
public sealed record ToolInvocation(string? Arguments, string? Result);
