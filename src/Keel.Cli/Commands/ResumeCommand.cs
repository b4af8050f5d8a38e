using System.CommandLine;
using Keel.Cli.Output;
using Keel.Samples.Demo;
using Keel.Storage.Sqlite;

namespace Keel.Cli.Commands;

/// <summary>`keel resume`: finish every runnable task in a database (after a crash, say), then print the demo's summary.</summary>
internal static class ResumeCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var prices = CommonOptions.Prices();
        var concurrency = CommonOptions.Concurrency();
        var seed = CommonOptions.Seed();
        var command = new Command("resume", """
            Run workers until every runnable task of the sample agents has finished, then exit with the demo's
            summary. Tasks a killed process left running are resumed from their journal: steps that committed
            return their recorded results, the rest run. Tasks of a dead process on this host are taken at once;
            others when their lease expires. Tasks waiting for a person's decision stay waiting (see `keel approvals`).
            """)
        {
            db, concurrency, seed, json, prices,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            await using var exporter = CliTelemetry.Start(console, store);
            var runner = new DemoRunner(store, CommonOptions.LoadPrices(parse.GetValue(prices)));
            var settled = 0;
            var run = await runner.ResumeAsync(parse.GetValue(seed), parse.GetValue(concurrency),
                new DemoCommand.SynchronousProgress<Tasks.AgentTask>(task => console.ErrorWriter.WriteLine($"resume: {Interlocked.Increment(ref settled)} {task.Id} {WorkerCommand.Describe(task)}")),
                cancellationToken).ConfigureAwait(false);
            var summary = await DemoSummary.FromStoreAsync(store, run, store.Path, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(console.Output, summary, CliJson.Default.DemoSummary).ConfigureAwait(false);
            }
            else
            {
                await console.ErrorWriter.WriteLineAsync($"resume: {settled} tasks finished in this run.").ConfigureAwait(false);
                console.Out.Write(DemoCommand.SummaryTable(summary));
            }

            return 0;
        }));
        return command;
    }
}
