using System.Text.Json;
using Keel.Forks;
using Keel.Routing;
using Keel.Server.Gateway;
using Keel.Server.Hosting;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>POST /api/tasks/{id}/replay</c> <c>{"from_step": N, "set_model"?: ALIAS, "edit_message"?: TEXT}</c>: forks the task
/// from step N (the durable runtime's replay: steps before N are reused, not paid for again) and queues the fork; the
/// server's worker pool, or any <c>keel worker</c>, runs it. 201 with the fork's id.
/// </summary>
internal static class ReplayApi
{
    public static void Map(RouteGroupBuilder api) => api.MapPost("/tasks/{id}/replay", ReplayAsync);

    private static async Task ReplayAsync(HttpContext http, string id, IKeelStore store, IServiceProvider services, TimeProvider time)
    {
        if (await TaskDetailApi.FindVisibleAsync(http, store, id).ConfigureAwait(false) is not { } summary)
        {
            return;
        }

        if (await ApiBody.ReadObjectAsync(http).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        if (!body.TryGetProperty("from_step", out var from) || from.ValueKind != JsonValueKind.Number || !from.TryGetInt32(out var fromStep) || fromStep < 1)
        {
            await ApiJson.InvalidAsync(http, "A replay needs 'from_step': the first step to run again (1 runs the whole task again); 'set_model' and 'edit_message' are optional.", "from_step").ConfigureAwait(false);
            return;
        }

        var source = summary.Task;
        var workers = services.GetService<KeelServerWorkers>();
        if (workers is not null && !workers.Agents.Contains(source.Agent, StringComparer.Ordinal))
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Conflict(
                $"This server's workers run {string.Join(", ", workers.Agents)}, not '{source.Agent}', so a fork of task {source.Id} would wait forever. Replay it where its agent runs (`keel replay`).")).ConfigureAwait(false);
            return;
        }

        TaskFork fork;
        try
        {
            fork = await TaskForks.ForkAsync(store, source.Id, fromStep, new ForkOptions
            {
                ModelOverride = ApiBody.Text(body, "set_model"),
                EditMessage = body.TryGetProperty("edit_message", out var edit) && edit.ValueKind == JsonValueKind.String ? edit.GetString() : null,
                Models = workers?.Models,
                TimeProvider = time,
            }, http.RequestAborted).ConfigureAwait(false);
        }
        catch (ForkException ex)
        {
            await ApiJson.InvalidAsync(http, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (UnknownModelException ex)
        {
            await ApiJson.InvalidAsync(http, ex.Message, "set_model").ConfigureAwait(false);
            return;
        }

        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("task_id", fork.Task.Id);
            writer.WriteString("forked_from", fork.SourceTaskId);
            writer.WriteNumber("from_step", fromStep);
            writer.WriteNumber("reused_steps", fork.ReusedSteps);
            writer.Number("edited_step", fork.EditedStep);
            writer.WriteString("status", ApiJson.Lower(fork.Task.Status));
            writer.WriteEndObject();
        }, StatusCodes.Status201Created).ConfigureAwait(false);
    }
}
