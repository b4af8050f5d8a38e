using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.Agents;

/// <summary>Hands a model's tool call to an <see cref="AIFunction"/>, with the call's idempotency key in its context.</summary>
public static class ToolArguments
{
    /// <summary>The <see cref="AIFunctionArguments.Context"/> key under which a tool finds its <see cref="ToolCall"/>.</summary>
    public const string ToolCallKey = "keel.tool_call";

    public static AIFunctionArguments For(FunctionCallContent call, ToolCall toolCall)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new AIFunctionArguments(call.Arguments) { Context = new Dictionary<object, object?> { [ToolCallKey] = toolCall } };
    }

    /// <summary>The Keel call a tool is running as, when a Keel task invoked it (take <see cref="AIFunctionArguments"/> as a parameter to read it).</summary>
    public static ToolCall? KeelCall(this AIFunctionArguments arguments) =>
        arguments?.Context?.TryGetValue(ToolCallKey, out var value) == true ? value as ToolCall : null;
}
