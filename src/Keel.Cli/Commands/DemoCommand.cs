using System.CommandLine;
using Keel.Cli.Output;
using Keel.Samples.Demo;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel demo`: the sample agents, many at once, on simulated models with faults, into a real store.</summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var prices = CommonOptions.Prices();
        var tasks = new Option<int>("--tasks") { Description = "How many tasks to run.", DefaultValueFactory = _ => 50 };
        var seed = CommonOptions.Seed();
        var concurrency = CommonOptions.Concurrency();
        CommonOptions.AtLeast(tasks, 1);
        var humanApprovals = new Option<bool>("--human-approvals")
        {
            Description = "Refunds above $150 wait for your decision (`keel approvals`, `keel approve|reject TASK_ID`, then `keel resume`) instead of a simulated supervisor's.",
        };

        var command = new Command("demo", """
            Run the sample agents (a refund-handling support agent and a research agent) on simulated models with
            injected faults (429s, 5xx, timeouts, context overflows), so that retries and fallbacks happen for real.
            The tasks are queued and run by a worker pool; every step is journaled, traced and priced in the
            database. Inspect it with `keel tasks` and `keel trace`; if the run is killed, `keel resume` finishes it.
            """)
        {
            db, tasks, seed, concurrency, humanApprovals, json, prices,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(db)!;
            var count = parse.GetValue(tasks);
            var priceTable = CommonOptions.LoadPrices(parse.GetValue(prices));
            await using var store = await SqliteKeelStore.OpenAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using var exporter = CliTelemetry.Start(console, store);
            var runner = new DemoRunner(store, priceTable);
            var run = await WithProgressAsync(console, count, progress =>
                runner.RunAsync(count, parse.GetValue(seed), parse.GetValue(concurrency), progress, humanApprovals: parse.GetValue(humanApprovals), cancellationToken: cancellationToken)).ConfigureAwait(false);
            var summary = await DemoSummary.FromStoreAsync(store, run, store.Path, cancellationToken).ConfigureAwait(false);
            var billing = await BillingDemo.ReportAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false);

            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(console.Output, summary, CliJson.Default.DemoSummary).ConfigureAwait(false);
            }
            else
            {
                console.Out.Write(SummaryTable(summary));
                Billing.BillingTables.WriteDemo(console, billing, path);
                console.Out.MarkupLine($"[grey]Inspect: keel tasks --db {Markup.Escape(path)}   ·   keel trace TASK_ID --db {Markup.Escape(path)}[/]");
                if (summary.Waiting > 0)
                {
                    console.Out.MarkupLine($"[yellow]{summary.Waiting} tasks wait for a decision:[/] keel approvals --db {Markup.Escape(path)}, keel approve|reject TASK_ID, then keel resume.");
                }
            }

            return 0;
        }));
        return command;
    }

    private static async Task<DemoRun> WithProgressAsync(CliConsole console, int total, Func<IProgress<AgentTask>, Task<DemoRun>> run)
    {
        var tally = new Tally();
        if (!console.Interactive)
        {
            // No live display without a terminal: a line at every tenth of the work instead.
            var every = Math.Max(1, total / 10);
            return await run(new SynchronousProgress<AgentTask>(task =>
            {
                var (done, succeeded, failed) = tally.Add(task);
                if (done % every == 0 || done == total)
                {
                    console.ErrorWriter.WriteLine($"demo: {done}/{total} tasks done ({succeeded} succeeded, {failed} failed)");
                }
            })).ConfigureAwait(false);
        }

        return await console.Error.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("Running tasks", maxValue: total);
                return await run(new SynchronousProgress<AgentTask>(task =>
                {
                    var (_, succeeded, failed) = tally.Add(task);
                    bar.Description = $"Tasks: [green]{succeeded} ok[/] [red]{failed} failed[/]";
                    bar.Increment(1);
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    internal static Table SummaryTable(DemoSummary s)
    {
        var table = new Table().Title("keel demo").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.HideHeaders();
        table.AddRow("Tasks", Format.Count(s.Tasks));
        table.AddRow("  succeeded", $"[green]{Format.Count(s.Succeeded)}[/]");
        table.AddRow("  failed", s.Failed > 0 ? $"[red]{Format.Count(s.Failed)}[/]" : "0");
        if (s.Waiting > 0)
        {
            table.AddRow("  waiting for a decision", $"[yellow]{Format.Count(s.Waiting)}[/]");
        }

        table.AddRow("Steps", Format.Count(s.Steps));
        table.AddRow("Model calls", Format.Count(s.ModelCalls));
        table.AddRow("Retries", Format.Count(s.Retries));
        table.AddRow("Fallbacks", Format.Count(s.Fallbacks));
        table.AddRow("Input tokens", Format.Count(s.InputTokens));
        table.AddRow("Output tokens", Format.Count(s.OutputTokens));
        table.AddRow("Total cost", Format.Usd(s.CostUsd));
        table.AddRow("  model / tools / human", $"{Format.Usd(s.ModelCostUsd)} / {Format.Usd(s.ToolCostUsd)} / {Format.Usd(s.HumanCostUsd)}");
        table.AddRow("Human oversight", $"{s.Interventions} approvals, {Format.Duration(s.HumanSeconds * 1000)}");
        table.AddRow("Human : model cost", s.HumanToModelRatio is { } ratio ? $"{ratio:0.0} : 1" : "-");
        table.AddRow("Successful outcomes", Format.Count(s.SuccessfulOutcomes));
        table.AddRow("Cost per successful outcome", s.CostPerSuccessfulOutcomeUsd is { } perOutcome ? Format.Usd(perOutcome) : "-");
        table.AddRow("Task duration p50 / p95", $"{Format.Duration(s.P50DurationMs)} / {Format.Duration(s.P95DurationMs)}");
        table.AddRow("Wall time", Format.Duration(s.WallTimeMs));
        table.AddRow("Database", Markup.Escape(s.Db));
        return table;
    }

    /// <summary>Counts finished tasks from many threads at once.</summary>
    private sealed class Tally
    {
        private readonly Lock _gate = new();
        private int _succeeded;
        private int _failed;

        public (int Done, int Succeeded, int Failed) Add(AgentTask task)
        {
            lock (_gate)
            {
                _ = task.Status == AgentTaskStatus.Succeeded ? ++_succeeded : ++_failed;
                return (_succeeded + _failed, _succeeded, _failed);
            }
        }
    }

    /// <summary>Reports on the caller's thread; <see cref="Progress{T}"/> would post to the thread pool and lag behind.</summary>
    internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
