using System.Text.Json;
using Keel.Inspection;
using Keel.Journal;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/tasks/{id}/steps/{seq}</c>: one step as <see cref="StepInspector"/> reads it: the exact context window
/// a model step was sent, its diff against the previous model call, a tool's arguments and result, and a failed
/// step's error path (the earlier steps whose outputs fed it, newest first).
/// </summary>
internal static class StepApi
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/tasks/{id}/steps/{seq:int}", GetAsync);

    private static async Task GetAsync(HttpContext http, string id, int seq, IKeelStore store)
    {
        if (await TaskDetailApi.FindVisibleAsync(http, store, id).ConfigureAwait(false) is not { } summary)
        {
            return;
        }

        var inspection = await StepInspector.InspectAsync(store, summary.Task.Id, seq, http.RequestAborted).ConfigureAwait(false);
        if (inspection is null)
        {
            await ApiJson.NotFoundAsync(http, $"step {seq} in task '{summary.Task.Id}'").ConfigureAwait(false);
            return;
        }

        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("step");
            StepRows.WriteFields(writer, inspection.Step);
            writer.WriteEndObject();
            WriteContext(writer, inspection.Context);
            WriteDiff(writer, inspection.Diff);
            writer.WriteStartArray("error_path");
            foreach (var feeder in inspection.ErrorPath)
            {
                writer.WriteNumberValue(feeder);
            }

            writer.WriteEndArray();
            if (inspection.Tool is { } tool)
            {
                writer.WriteStartObject("tool");
                writer.Text("arguments", tool.Arguments);
                writer.Text("result", tool.Result);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("tool");
            }

            writer.Text("result", inspection.Result);
            if (inspection.Step is { Kind: StepKind.Model, Result: { } answer })
            {
                writer.WritePropertyName("answer");
                WriteMessage(writer, ContextMessage.Parse(answer));
            }

            writer.Text("error", inspection.Error);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteContext(Utf8JsonWriter writer, ContextWindow? context)
    {
        if (context is null)
        {
            writer.WriteNull("context");
            return;
        }

        writer.WriteStartObject("context");
        writer.WriteStartObject("request");
        writer.Text("model", context.Request.Model);
        writer.WriteStartObject("parameters");
        foreach (var (name, value) in context.Request.Parameters)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("tools");
        foreach (var tool in context.Request.Tools)
        {
            writer.WriteStartObject();
            writer.WriteString("name", tool.Name);
            writer.Text("description", tool.Description);
            if (tool.Parameters is { } schema)
            {
                writer.WritePropertyName("parameters");
                schema.WriteTo(writer);
            }
            else
            {
                writer.WriteNull("parameters");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartArray("messages");
        foreach (var message in context.Messages)
        {
            WriteMessage(writer, message);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, ContextMessage message)
    {
        writer.WriteStartObject();
        writer.WriteNumber("index", message.Index);
        writer.WriteString("role", message.Role);
        writer.WriteString("text", message.Text);
        writer.WriteStartArray("tool_calls");
        foreach (var call in message.ToolCalls)
        {
            writer.WriteStartObject();
            writer.WriteString("id", call.Id);
            writer.WriteString("name", call.Name);
            writer.WriteString("arguments", call.Arguments);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("tool_results");
        foreach (var result in message.ToolResults)
        {
            writer.WriteStartObject();
            writer.WriteString("call_id", result.CallId);
            writer.WriteString("result", result.Result);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteDiff(Utf8JsonWriter writer, ContextDiff? diff)
    {
        if (diff is null)
        {
            writer.WriteNull("diff");
            return;
        }

        writer.WriteStartObject("diff");
        writer.WriteNumber("previous_seq", diff.PreviousSeq);
        writer.WriteNumber("same", diff.Same);
        writer.WriteNumber("added", diff.Added);
        writer.WriteNumber("removed", diff.Removed);
        writer.WriteStartArray("lines");
        foreach (var line in diff.Lines)
        {
            writer.WriteStartObject();
            writer.WriteString("op", line.Op switch { DiffOp.Added => "added", DiffOp.Removed => "removed", _ => "same" });
            writer.WriteNumber("index", line.Index);
            writer.WriteString("role", line.Role);
            writer.WriteString("text", line.Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
