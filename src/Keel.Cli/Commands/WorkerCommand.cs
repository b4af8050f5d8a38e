using System.CommandLine;
using Keel.Samples.Demo;
using Keel.Storage.Sqlite;
using Keel.Tasks;

namespace Keel.Cli.Commands;

/// <summary>`keel worker`: a worker process that runs queued and resumable tasks until stopped.</summary>
internal static class WorkerCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var prices = CommonOptions.Prices();
        var concurrency = CommonOptions.Concurrency();
        var seed = CommonOptions.Seed();
        var command = new Command("worker", """
            Run a worker against a database until Ctrl-C: it claims runnable tasks of the sample agents under a
            lease (renewed while they run), resumes crashed ones from their journal, wakes tasks whose timers came
            due or whose approvals were decided, and runs them. Start as many as you like on one database.
            """)
        {
            db, concurrency, seed, prices,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using var exporter = CliTelemetry.Start(console, store);
            using var host = new DemoHost(store, CommonOptions.LoadPrices(parse.GetValue(prices)), parse.GetValue(seed));
            var workers = host.Workers(parse.GetValue(concurrency));
            workers.TaskSettled += task => console.ErrorWriter.WriteLine($"worker: {task.Id} {task.Agent} {Describe(task)}");
            await console.ErrorWriter.WriteLineAsync($"worker: {workers.Worker} on {store.Path}, agents {string.Join(", ", host.Agents.Names)}; Ctrl-C stops.").ConfigureAwait(false);
            await workers.RunAsync(cancellationToken).ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync("worker: stopped; its running tasks went back to the queue.").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    internal static string Describe(AgentTask task) => task.Status switch
    {
        AgentTaskStatus.Waiting when task.WakeAt is { } wake => $"waiting until {wake:u}",
        AgentTaskStatus.Waiting => "waiting for a decision",
        AgentTaskStatus.Failed => $"failed: {task.Error}",
        _ => task.Status.ToString().ToLowerInvariant(),
    };
}
