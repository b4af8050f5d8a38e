using System.CommandLine;
using Keel.Cli.Commands;
using Keel.Pricing;
using Keel.Routing;
using Keel.Storage;

namespace Keel.Cli;

/// <summary>The `keel` command: its subcommands, and how their failures reach the user.</summary>
internal static class KeelCommand
{
    public static RootCommand Create(CliConsole console)
    {
        var root = new RootCommand("Keel: durable state, observability and cost control for AI agents, on one embedded database.");
        root.Subcommands.Add(DemoCommand.Create(console));
        root.Subcommands.Add(TasksCommand.Create(console));
        root.Subcommands.Add(TraceCommand.Create(console));
        root.Subcommands.Add(ServeCommand.Create(console));
        root.Subcommands.Add(KeysCommand.Create(console));
        root.Subcommands.Add(BudgetsCommand.Create(console));
        root.Subcommands.Add(CostsCommand.Create(console));
        root.Subcommands.Add(OutcomeCommand.Create(console));
        root.Subcommands.Add(OversightCommand.Create(console));
        root.Subcommands.Add(ReplayCommand.Create(console));
        root.Subcommands.Add(WorkerCommand.Create(console));
        root.Subcommands.Add(ResumeCommand.Create(console));
        root.Subcommands.Add(ApprovalCommands.List(console));
        root.Subcommands.Add(ApprovalCommands.Approve(console));
        root.Subcommands.Add(ApprovalCommands.Reject(console));
        root.Subcommands.Add(MemoryCommand.Create(console));
        root.Subcommands.Add(McpCommand.Create(console));
        root.Subcommands.Add(Commands.Billing.BillingCommand.Create(console));
        root.Subcommands.Add(Commands.Bench.BenchCommand.Create(console));
        return root;
    }

    public static Task<int> InvokeAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration { Output = console.Output, Error = console.ErrorWriter };
        return Create(console).Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>
    /// Wraps a command's action so that the failures a user can fix print one clear line and exit 1, instead of
    /// a stack trace.
    /// </summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(CliConsole console, Func<ParseResult, CancellationToken, Task<int>> action) =>
        async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StoreException or Server.Configuration.GatewayConfigException or AmbiguousTaskIdException or UnknownPriceException or UnknownModelException or FormatException or IOException or UnauthorizedAccessException)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        };
}
