using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using Keel.Cli.Output;
using Keel.Forks;
using Keel.Samples.Demo;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>
/// `keel replay TASK_ID --from-step N`: fork a task at a step, reusing the recorded results before it, and run the
/// fork on from there, on the demo's agents and simulated models.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var prices = CommonOptions.Prices();
        var seed = CommonOptions.Seed();
        var taskId = new Argument<string>("TASK_ID") { Description = "The task to replay, or a unique prefix of its id." };
        var fromStep = new Option<int>("--from-step")
        {
            Description = "The first step to run live. Steps before it return their recorded results, unpaid; one past the last step reuses them all.",
            Required = true,
            HelpName = "N",
        };
        CommonOptions.AtLeast(fromStep, 1);
        var setModel = new Option<string?>("--set-model") { Description = "A model alias every live model call uses instead of the agent's.", HelpName = "ALIAS" };
        var editMessage = new Option<string?>("--edit-message")
        {
            Description = """
                Replace the result of step N-1 (it then counts as succeeded): a tool's, child's or approval's result,
                verbatim; a model step's message text (or the whole message, given as an OpenAI-style JSON message);
                a code step's JSON value (text that is not JSON becomes a JSON string).
                """,
            HelpName = "TEXT",
        };
        var noRun = new Option<bool>("--no-run") { Description = "Only create the fork and leave it queued, for `keel worker` or `keel resume`." };

        var command = new Command("replay", """
            Fork a task from a step: a new task, linked to the original, that reuses the recorded results of the steps
            before it and runs the agent live from there, so you can re-run a whole agent from the step that went
            wrong, with another model or an edited result. Reused steps are not paid for again. The fork runs here,
            now, unless --no-run.
            """)
        {
            taskId, fromStep, setModel, editMessage, noRun, db, json, prices, seed,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            using var host = new DemoHost(store, CommonOptions.LoadPrices(parse.GetValue(prices)), parse.GetValue(seed));
            var options = new ForkOptions
            {
                ModelOverride = parse.GetValue(setModel),
                EditMessage = parse.GetValue(editMessage),
                Models = host.Runtime.Models.Catalog,
                TimeProvider = host.Runtime.Time,
            };
            var source = parse.GetValue(taskId)!;
            var from = parse.GetValue(fromStep);
            TaskFork fork;
            try
            {
                fork = parse.GetValue(noRun)
                    ? await TaskForks.ForkAsync(store, source, from, options, cancellationToken).ConfigureAwait(false)
                    : await TaskForks.RunAsync(host.Runtime, host.Agents, source, from, options, cancellationToken).ConfigureAwait(false);
            }
            catch (ForkException ex)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            var summary = await store.GetTaskSummaryAsync(fork.Task.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new Storage.StoreException($"The fork {fork.Task.Id} was created but is not in the store.");
            var journal = await store.GetStepsAsync(fork.Task.Id, cancellationToken).ConfigureAwait(false);
            var liveModelCalls = journal.Count(s => s.Seq >= from && s.Kind == Journal.StepKind.Model);
            var report = ReplayReport.From(fork, summary, liveModelCalls);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(console.Output, report, ReplayJson.Default.ReplayReport).ConfigureAwait(false);
            }
            else
            {
                console.Out.Write(Table(report));
                console.Out.MarkupLine(report.Status == "pending"
                    ? "[grey]Queued: `keel resume` or `keel worker` runs it.[/]"
                    : $"[grey]Compare: keel trace {report.ForkedFrom}   ·   keel trace {report.Id}[/]");
            }

            return 0;
        }));
        return command;
    }

    private static Table Table(ReplayReport r)
    {
        var table = new Table().Title("keel replay").AddColumn("").AddColumn("");
        table.HideHeaders();
        table.AddRow("Task", r.Id);
        table.AddRow("Forked from", $"{r.ForkedFrom} at step {r.ForkedAtStep.ToString(CultureInfo.InvariantCulture)}");
        table.AddRow("Reused steps", r.ReusedSteps == 0 ? "none" : $"1-{r.ReusedSteps.ToString(CultureInfo.InvariantCulture)} (recorded results, not paid again)");
        if (r.EditedStep is { } edited)
        {
            table.AddRow("Edited step", edited.ToString(CultureInfo.InvariantCulture));
        }

        if (r.ModelOverride is { } model)
        {
            table.AddRow("Model", Markup.Escape(model));
        }

        table.AddRow("Status", TasksCommand.StatusMarkup(Enum.Parse<AgentTaskStatus>(r.Status, ignoreCase: true)));
        table.AddRow("Steps", Format.Count(r.Steps));
        table.AddRow("Model calls (live)", Format.Count(r.LiveModelCalls));
        table.AddRow("Cost (live steps)", Format.Usd(r.CostUsd));
        if (r.Outcome is { } outcome)
        {
            table.AddRow("Outcome", outcome);
        }

        if (r.Output is { } output)
        {
            table.AddRow("Output", Markup.Escape(output));
        }

        if (r.Error is { } error)
        {
            table.AddRow("Error", $"[red]{Markup.Escape(error)}[/]");
        }

        return table;
    }
}

/// <summary>What `keel replay` made and how its run ended.</summary>
/// <param name="LiveModelCalls">Model calls the fork made itself, beyond the reused ones.</param>
/// <param name="CostUsd">What the fork cost: its live steps only, as reused steps stay paid for by the original.</param>
internal sealed record ReplayReport(
    string Id,
    string ForkedFrom,
    int ForkedAtStep,
    int ReusedSteps,
    int? EditedStep,
    string? ModelOverride,
    string Status,
    int Steps,
    int LiveModelCalls,
    decimal CostUsd,
    string? Outcome,
    string? Output,
    string? Error)
{
    public static ReplayReport From(TaskFork fork, TaskSummary summary, int liveModelCalls)
    {
        var task = summary.Task;
        return new ReplayReport(
            task.Id,
            fork.SourceTaskId,
            task.ForkedAtStep ?? fork.ReusedSteps + 1,
            fork.ReusedSteps,
            fork.EditedStep,
            task.ModelOverride,
            task.Status.ToString().ToLowerInvariant(),
            summary.Steps,
            liveModelCalls,
            summary.CostUsd,
            task.Outcome?.ToString().ToLowerInvariant(),
            task.Output,
            task.Error);
    }
}

/// <summary>The JSON of `keel replay --json`, in the CLI's usual form (snake_case, nulls left out).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReplayReport))]
internal sealed partial class ReplayJson : JsonSerializerContext;
