using System.CommandLine;
using Keel.Server.Api;
using Keel.Server.Mcp;
using Keel.Storage;
using Keel.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keel.Cli.Commands;

/// <summary>`keel mcp`: Keel's memory and tool state as an MCP server over stdio, for MCP clients that start their servers.</summary>
internal static class McpCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var customer = MemoryCustomer.Option();
        var command = new Command("mcp", """
            Run an MCP server over stdio (JSON-RPC on stdin/stdout; logs go to stderr only) with the tools memory_search,
            memory_add, memory_forget, tool_state_get and tool_state_set, acting for one customer. Configure it in an MCP
            client as the command `keel mcp --db FILE --customer NAME`. Over HTTP, `keel serve` serves the same tools at
            /mcp, for the customer of the API key each request carries.
            """)
        {
            db, customer,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            var customerId = await MemoryCustomer.ResolveAsync(store, parse.GetValue(customer)!, create: true, cancellationToken).ConfigureAwait(false);

            // The empty builder: no config files, no console lifetime writing to stdout; stdout belongs to the protocol.
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<IKeelStore>(store);
            builder.Services.AddSingleton(new McpLocalCustomer(customerId));
            builder.Services.AddKeelMemoryInterfaces(ingestInBackground: false);
            builder.Services.AddMcpServer(options => options.ServerInfo = KeelMcpServer.Identity)
                .WithStdioServerTransport()
                .WithKeelTools();
            using var host = builder.Build();
            await console.ErrorWriter.WriteLineAsync($"keel: MCP server on stdio for customer {customerId}; database: {parse.GetValue(db)}").ConfigureAwait(false);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
