using Keel.Context;
using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.Agents;

/// <summary>
/// The common agent shape: instructions, tools and a loop that calls the model, runs the tools it asks for and
/// feeds their results back until it answers in text.
/// </summary>
public sealed class ToolLoopAgent : IAgent
{
    /// <summary>
    /// The AIFunction.AdditionalProperties key a tool declares its price per call under (a decimal, USD),
    /// recorded as tool usage on every call.
    /// </summary>
    public const string CostKey = "keel.cost_usd";

    public required string Name { get; init; }
    public required string Instructions { get; init; }

    /// <summary>The model alias the agent calls; routing decides which deployment serves it.</summary>
    public required string Model { get; init; }

    public IReadOnlyList<AIFunction> Tools { get; init; } = [];

    public int MaxTurns { get; init; } = 12;

    /// <summary>Options sent with every call (the tool list is added to them).</summary>
    public ChatOptions? Options { get; init; }

    /// <summary>
    /// Runs before each tool call: the place for a human approval. It returns null to let the tool run, or the
    /// message the model receives instead of the tool's result (a reviewer's rejection, say).
    /// </summary>
    public Func<TaskContext, FunctionCallContent, CancellationToken, Task<string?>>? Gate { get; init; }

    /// <summary>
    /// How much of its session's conversation a task in a session starts with (the user's message and the final
    /// answer are added to the session when the task succeeds). A task without a session has no history.
    /// </summary>
    public Sessions.SessionHistoryPolicy History { get; init; } = Sessions.SessionHistoryPolicy.Default;

    /// <summary>How the agent reports its outcome when it finishes; null reports none.</summary>
    public Func<string, IReadOnlyList<ChatMessage>, (Oversight.TaskOutcome Outcome, decimal? Value)>? JudgeOutcome { get; init; }

    public async Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        List<ChatMessage> messages = [new(ChatRole.System, Instructions)];
        var inSession = context.Task.SessionId is not null;
        if (inSession)
        {
            messages.AddRange(await context.GetSessionHistoryAsync(History, cancellationToken).ConfigureAwait(false));
        }

        var question = new ChatMessage(ChatRole.User, input);
        messages.Add(question);
        var options = Options?.Clone() ?? new ChatOptions();
        options.Tools = [.. Tools];

        for (var turn = 0; turn < MaxTurns; turn++)
        {
            var response = await context.ChatAsync(Model, messages, options, cancellationToken).ConfigureAwait(false);
            messages.AddRange(response.Messages);
            var calls = response.Messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).ToList();
            if (calls.Count == 0)
            {
                if (inSession)
                {
                    await context.AppendToSessionAsync([question, new ChatMessage(ChatRole.Assistant, response.Text)], cancellationToken).ConfigureAwait(false);
                }

                if (JudgeOutcome is { } judge)
                {
                    var (outcome, value) = judge(response.Text, messages);
                    await context.ReportOutcomeAsync(outcome, value, cancellationToken).ConfigureAwait(false);
                }

                return response.Text;
            }

            foreach (var call in calls)
            {
                var tool = Tools.FirstOrDefault(t => t.Name == call.Name)
                    ?? throw new InvalidOperationException($"The model called '{call.Name}', which agent '{Name}' does not have.");
                var refusal = Gate is null ? null : await Gate(context, call, cancellationToken).ConfigureAwait(false);
                var result = refusal ?? await context.ToolAsync(call.Name, Json.Arguments(call.Arguments),
                    async (toolCall, token) => Json.Result(await tool.InvokeAsync(ToolArguments.For(call, toolCall), token).ConfigureAwait(false)),
                    ToolCost(tool), call.CallId, cancellationToken).ConfigureAwait(false);
                messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
            }
        }

        throw new InvalidOperationException($"Agent '{Name}' did not finish within {MaxTurns} model turns.");
    }

    /// <summary>A tool's declared price per call, in any numeric type; anything else is a mistake, not free.</summary>
    private static decimal ToolCost(AIFunction tool) => tool.AdditionalProperties.TryGetValue(CostKey, out var cost) ? cost switch
    {
        null => 0,
        decimal d => d,
        double or float or int or long => Convert.ToDecimal(cost, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Tool '{tool.Name}' declares {CostKey} as {cost.GetType().Name}; give a number of USD."),
    } : 0;
}
