using System.Text.Json;
using Keel.Context;
using Keel.Journal;
using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.Forks;

/// <summary>
/// Turns a developer's replacement text into the result a step replays, in the form that step kind's replay reads
/// (see <see cref="TaskForks"/> for the rules).
/// </summary>
internal static class StepEdit
{
    public static StepRecord Apply(StepRecord step, string text) => step with
    {
        Status = StepStatus.Succeeded,
        Error = null,
        Result = step.Kind switch
        {
            StepKind.Model => ModelMessage(step, text),
            StepKind.Step => JsonResult(text),
            StepKind.Tool or StepKind.Child or StepKind.Approval => text,
            _ => throw new ForkException(
                $"Step {step.Seq} is a {step.Kind.ToString().ToLowerInvariant()} step ('{step.Name}'); only the results of model, tool, step, child and approval steps can be edited."),
        },
    };

    /// <summary>
    /// A whole message when the text is one (a JSON object with a role), else the text of the recorded message,
    /// whose role and tool calls stay.
    /// </summary>
    private static string ModelMessage(StepRecord step, string text)
    {
        if (IsMessageObject(text))
        {
            try
            {
                return MessageJson.Serialize(MessageJson.Deserialize(text));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new ForkException($"The replacement for model step {step.Seq} is not a chat message in the OpenAI form: {ex.Message}");
            }
        }

        var recorded = step is { Status: StepStatus.Succeeded, Result: { } result } ? MessageJson.Deserialize(result) : new ChatMessage(ChatRole.Assistant, []);
        var contents = recorded.Contents.Where(c => c is not TextContent).Prepend(new TextContent(text)).ToList();
        return MessageJson.Serialize(new ChatMessage(recorded.Role, contents));
    }

    private static bool IsMessageObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>JSON as given; any other text as a JSON string.</summary>
    private static string JsonResult(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return text;
        }
        catch (JsonException)
        {
            return JsonSerializer.Serialize(text, RuntimeJson.Default.String);
        }
    }
}
