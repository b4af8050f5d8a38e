using System.Globalization;
using System.Text.Json;
using Keel.Approvals;
using Keel.Context;
using Keel.Journal;
using Keel.Pricing;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Microsoft.Extensions.AI;

namespace Keel.Bench.Observability;

/// <summary>
/// The commits of one seeded task, shaped as the runtime writes them: the task created with its first step, one
/// commit per model or tool step (a model step with its context snapshot, a span per step and per provider attempt, and
/// its priced usage), and a last commit with the task's final state and its agent span. Contexts grow as in a tool
/// loop: request and instructions, the user's message, then each call's answer and tool result.
/// </summary>
internal sealed class SeedTask(Random rng, PriceTable prices)
{
    private static readonly string[] ToolFailures =
    [
        "The payment provider declined the refund: card_expired.",
        "HTTP 504 from the upstream service after 30 s.",
        "The record is locked by another process; try again later.",
        "Permission denied: the service account may not write here.",
    ];

    private static readonly Dictionary<string, string> Serialized = [];

    public sealed record Shape(AgentTaskStatus Status, int ModelCalls, bool FailInTool);

    /// <summary>How a task ended (or where it is): mostly succeeded, some failed, waiting for approval, running or queued.</summary>
    public Shape Draw(bool recent)
    {
        var calls = 1;
        while (calls < 8 && rng.NextDouble() < 0.55)
        {
            calls++;
        }

        var roll = rng.Next(1000);
        var status = roll switch
        {
            < 250 when recent => AgentTaskStatus.Running,
            < 400 when recent => AgentTaskStatus.Pending,
            >= 800 and < 840 => AgentTaskStatus.Failed, // 4 %
            >= 988 => AgentTaskStatus.Waiting, // 1.2 %, each with an open approval
            _ => AgentTaskStatus.Succeeded,
        };
        return new Shape(status, calls, FailInTool: rng.Next(100) < 60 && calls > 1);
    }

    public List<StepCommit> Build(AgentProfile agent, Shape shape, DateTimeOffset createdAt, string customerId, string? sessionId)
    {
        var id = $"task_{Guid.CreateVersion7(createdAt):N}";
        var (traceId, rootSpanId) = TraceIds.ForTask(id);
        var scope = new Keel.Tasks.SpanScope(traceId, rootSpanId, id);
        var model = AgentProfiles.Weighted(rng, agent.Models, m => m.Weight).Model;
        var input = Corpus.Text(rng, 80, 400);
        var task = new AgentTask
        {
            Id = id, Agent = agent.Name, CustomerId = customerId, SessionId = sessionId, Input = input, CreatedAt = createdAt,
            Status = AgentTaskStatus.Pending,
        };
        if (shape.Status == AgentTaskStatus.Pending)
        {
            return [new StepCommit { CreateTaskIfMissing = task }];
        }

        var at = createdAt.AddMilliseconds(rng.Next(50, 3_000));
        task = task with { Status = AgentTaskStatus.Running, StartedAt = at };
        List<string> context = [agent.RequestJson(model), Message(agent.Name, ChatRole.System, agent.Instructions), MessageJson.Serialize(new ChatMessage(ChatRole.User, input))];

        // Where the task stops: the last model call (or its tool) for a finished task, earlier for one still running.
        var calls = shape.Status is AgentTaskStatus.Running or AgentTaskStatus.Waiting ? rng.Next(1, shape.ModelCalls + 1) : shape.ModelCalls;
        var commits = new List<StepCommit>();
        var seq = 0;
        string? output = null, error = null;
        for (var call = 1; call <= calls; call++)
        {
            var last = call == shape.ModelCalls;
            var failModel = shape.Status == AgentTaskStatus.Failed && last && !shape.FailInTool;
            var tool = agent.Tools[rng.Next(agent.Tools.Count)];
            var callId = $"call_{rng.NextInt64():x}";
            var answer = last
                ? new ChatMessage(ChatRole.Assistant, Corpus.Text(rng, 120, 500))
                : new ChatMessage(ChatRole.Assistant, [new TextContent(Corpus.Text(rng, 30, 160)), new FunctionCallContent(callId, tool.Name, Arguments(tool))]);
            var (commit, end) = ModelStep(scope, ++seq, model, at, context, answer, failModel, customerId, agent.Name, sessionId);
            commits.Add(commit);
            at = end;
            if (failModel)
            {
                error = commit.Step!.Error;
                break;
            }

            if (last)
            {
                output = answer.Text;
                break;
            }

            var failTool = shape.Status == AgentTaskStatus.Failed && shape.FailInTool && call == shape.ModelCalls - 1;
            var result = failTool ? null : $$"""{"status":"ok","{{tool.Name}}":{{JsonSerializer.Serialize(Corpus.Text(rng, 120, 420))}}}""";
            var toolEnd = at.AddMilliseconds(rng.Next(40, 1_500));
            var toolError = failTool ? ToolFailures[rng.Next(ToolFailures.Length)] : null;
            commits.Add(new StepCommit
            {
                Step = new StepRecord
                {
                    TaskId = id, Seq = ++seq, Kind = StepKind.Tool, Name = tool.Name, Status = failTool ? StepStatus.Failed : StepStatus.Succeeded,
                    Result = result, Error = toolError, StartedAt = at, EndedAt = toolEnd,
                },
                Spans = [StepTracing.ToolSpan(scope, seq, tool.Name, callId, at, toolEnd, failTool ? new InvalidOperationException(toolError) : null)],
            });
            at = toolEnd;
            if (failTool)
            {
                error = toolError;
                break;
            }

            context = [.. context, MessageJson.Serialize(answer), MessageJson.Serialize(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, result)]))];
        }

        commits[0] = commits[0] with { CreateTaskIfMissing = task };
        var final = shape.Status switch
        {
            AgentTaskStatus.Succeeded or AgentTaskStatus.Failed => task with { Status = error is null ? AgentTaskStatus.Succeeded : AgentTaskStatus.Failed, Output = output, Error = error, EndedAt = at },
            AgentTaskStatus.Waiting => task with { Status = AgentTaskStatus.Waiting, WakeAt = at.AddHours(24) },
            _ => task,
        };
        var closing = new StepCommit
        {
            Task = final,
            Spans = final.EndedAt is null ? [] : [StepTracing.AgentSpan(traceId, rootSpanId, final)],
            OpenApproval = final.Status == AgentTaskStatus.Waiting
                ? new Approval
                {
                    TaskId = id, Seq = seq + 1, CustomerId = customerId, RequestedAt = at, TimeoutAt = at.AddHours(24),
                    Request = $"Approve a refund of {rng.Next(20, 900)}.{rng.Next(100):00} EUR for ORD-{rng.Next(10_000, 99_999)}?",
                }
                : null,
        };
        commits.Add(closing);
        return commits;
    }

    private (StepCommit Commit, DateTimeOffset End) ModelStep(Keel.Tasks.SpanScope scope, int seq, string model, DateTimeOffset start, List<string> context, ChatMessage answer,
        bool fail, string customerId, string agent, string? sessionId)
    {
        var snapshot = ContextSnapshot.FromMessages(context);
        var end = start.AddMilliseconds(rng.Next(600, 6_000));
        var roll = rng.Next(1000);
        var (attempts, fallbacks) = fail ? (3, 1) : roll < 40 ? (2, 0) : roll < 55 ? (2, 1) : (1, 0);
        var stepSpanId = TraceIds.NewSpanId();
        var inputTokens = 200 + context.Sum(c => c.Length) / 4;
        var answerJson = MessageJson.Serialize(answer);
        var outputTokens = fail ? 0 : 10 + answerJson.Length / 4;
        var cost = fail ? 0m : prices.Cost(model, inputTokens, 0, outputTokens);
        var error = fail ? $"All deployments of '{model}' failed; the last said: 503 Service Unavailable (upstream overloaded)." : null;
        var attributes = new Dictionary<string, object?>
        {
            [GenAiAttributes.OperationName] = GenAiAttributes.Operations.Chat,
            [GenAiAttributes.RequestModel] = model,
            [GenAiAttributes.KeelAttempts] = attempts,
            [GenAiAttributes.KeelRetries] = attempts - 1 - fallbacks,
            [GenAiAttributes.KeelFallbacks] = fallbacks,
        };
        if (!fail)
        {
            attributes[GenAiAttributes.ProviderName] = Provider(model);
            attributes[GenAiAttributes.KeelDeployment] = $"{model}-primary";
            attributes[GenAiAttributes.ResponseModel] = model;
            attributes[GenAiAttributes.ResponseId] = $"resp_{rng.NextInt64():x}";
            attributes[GenAiAttributes.ResponseFinishReasons] = new[] { answer.Contents.OfType<FunctionCallContent>().Any() ? "tool_calls" : "stop" };
            attributes[GenAiAttributes.UsageInputTokens] = (long)inputTokens;
            attributes[GenAiAttributes.UsageOutputTokens] = (long)outputTokens;
            attributes[GenAiAttributes.KeelCostUsd] = cost;
        }
        else
        {
            attributes[GenAiAttributes.ErrorType] = "server_error";
        }

        var spans = new List<SpanRecord>
        {
            new()
            {
                TraceId = scope.TraceId, SpanId = stepSpanId, ParentSpanId = scope.ParentSpanId, TaskId = scope.TaskId, StepSeq = seq,
                Name = $"chat {model}", StartTime = start, EndTime = end, Status = fail ? SpanStatus.Error : SpanStatus.Ok, StatusMessage = error,
                Attributes = attributes, SnapshotId = snapshot.Id,
            },
        };
        var slice = (end - start) / attempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var failed = fail || attempt < attempts;
            var deployment = attempt > attempts - fallbacks ? $"{model}-fallback" : $"{model}-primary";
            var attemptAttributes = new Dictionary<string, object?>
            {
                [GenAiAttributes.OperationName] = GenAiAttributes.Operations.Chat,
                [GenAiAttributes.ProviderName] = Provider(model),
                [GenAiAttributes.RequestModel] = model,
                [GenAiAttributes.KeelDeployment] = deployment,
                [GenAiAttributes.KeelAttempt] = attempt,
            };
            if (failed)
            {
                attemptAttributes[GenAiAttributes.ErrorType] = attempt % 2 == 1 ? "rate_limited" : "server_error";
            }
            else
            {
                attemptAttributes[GenAiAttributes.UsageInputTokens] = (long)inputTokens;
                attemptAttributes[GenAiAttributes.UsageOutputTokens] = (long)outputTokens;
            }

            spans.Add(new SpanRecord
            {
                TraceId = scope.TraceId, SpanId = TraceIds.NewSpanId(), ParentSpanId = stepSpanId, TaskId = scope.TaskId, StepSeq = seq,
                Name = $"chat {model}", StartTime = start + slice * (attempt - 1), EndTime = start + slice * attempt,
                Status = failed ? SpanStatus.Error : SpanStatus.Ok, StatusMessage = failed ? (attempt % 2 == 1 ? "429 Too Many Requests" : "503 Service Unavailable") : null,
                Attributes = attemptAttributes,
            });
        }

        var commit = new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = scope.TaskId, Seq = seq, Kind = StepKind.Model, Name = model, Status = fail ? StepStatus.Failed : StepStatus.Succeeded,
                Attempts = attempts, Fallbacks = fallbacks, Result = fail ? null : answerJson, Error = error,
                InputTokens = fail ? 0 : inputTokens, OutputTokens = outputTokens, CostUsd = cost, StartedAt = start, EndedAt = end,
            },
            Spans = spans,
            Snapshots = [snapshot],
            Usage = fail ? [] :
            [
                new UsageEvent
                {
                    IdempotencyKey = $"{scope.TaskId}/{seq}", CustomerId = customerId, TaskId = scope.TaskId, StepSeq = seq, Kind = UsageKind.Model,
                    Resource = model, Deployment = $"{model}-primary", InputTokens = inputTokens, OutputTokens = outputTokens, CostUsd = cost,
                    CreatedAt = end, SessionId = sessionId, Agent = agent,
                },
            ],
        };
        return (commit, end);
    }

    private static string Provider(string model) => model switch
    {
        _ when model.StartsWith("claude", StringComparison.Ordinal) => "anthropic",
        _ when model.StartsWith("gemini", StringComparison.Ordinal) => "gcp.gemini",
        _ => "openai",
    };

    private Dictionary<string, object?> Arguments(AIFunctionDeclaration tool)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in tool.JsonSchema.GetProperty("properties").EnumerateObject())
        {
            arguments[property.Name] = property.Name.EndsWith("_id", StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"{property.Name[..3].ToUpperInvariant()}-{rng.Next(10_000, 99_999)}")
                : Corpus.Text(rng, 8, 60);
        }

        return arguments;
    }

    /// <summary>A message every task of an agent sends (its instructions): serialized once.</summary>
    private static string Message(string key, ChatRole role, string text)
    {
        lock (Serialized)
        {
            if (!Serialized.TryGetValue(key, out var json))
            {
                json = MessageJson.Serialize(new ChatMessage(role, text));
                Serialized[key] = json;
            }

            return json;
        }
    }
}
