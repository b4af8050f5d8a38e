using System.Text;
using System.Text.Json;
using Keel.Journal;

namespace Keel.Server.Dashboard.Api;

/// <summary>A journal step as the API shows it, on a task's page and at the head of a step's.</summary>
internal static class StepRows
{
    public static void WriteFields(Utf8JsonWriter writer, StepRecord step)
    {
        writer.WriteNumber("seq", step.Seq);
        writer.WriteString("kind", ApiJson.Lower(step.Kind));
        writer.WriteString("name", step.Name);
        writer.WriteString("status", ApiJson.Lower(step.Status));
        writer.WriteNumber("attempts", step.Attempts);
        writer.WriteNumber("fallbacks", step.Fallbacks);
        writer.WriteNumber("retries", step.Retries);
        writer.Text("error", step.Error);
        writer.WriteNumber("input_tokens", step.InputTokens);
        writer.WriteNumber("output_tokens", step.OutputTokens);
        writer.WriteNumber("cost_usd", step.CostUsd);
        writer.Time("started_at", step.StartedAt);
        writer.Time("ended_at", step.EndedAt);
        writer.WriteNumber("duration_ms", Math.Max(0, (step.EndedAt - step.StartedAt).TotalMilliseconds));
        writer.Text("result_preview", Preview(step.Result));
    }

    /// <summary>
    /// A line a person can scan: a model's reply text, or the tools it called; any other result as its JSON text.
    /// </summary>
    public static string? Preview(string? result)
    {
        if (string.IsNullOrEmpty(result))
        {
            return result;
        }

        try
        {
            using var document = JsonDocument.Parse(result);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("role", out _))
            {
                var text = new StringBuilder();
                if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }

                if (root.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        if (call.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name))
                        {
                            text.Append(text.Length == 0 ? "" : " ").Append("→ ").Append(name.GetString()).Append('(');
                            if (function.TryGetProperty("arguments", out var arguments))
                            {
                                text.Append(arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : arguments.GetRawText());
                            }

                            text.Append(')');
                        }
                    }
                }

                return ApiJson.Preview(text.ToString());
            }

            return ApiJson.Preview(root.ValueKind == JsonValueKind.String ? root.GetString() : result);
        }
        catch (JsonException)
        {
            return ApiJson.Preview(result);
        }
    }
}
