using System.CommandLine;
using System.Text.Json;
using Keel.Memory;
using Keel.Server.Api;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel memory retention set|list|apply`: how long each scope keeps its memories, straight on the database.</summary>
internal static class MemoryRetentionCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("retention", """
            How long memories are kept, per scope: a customer, or one end user, agent or session of it. Memories
            stored longer ago than their scope's maximum age are forgotten for good (text, embedding and index
            entries) when retention is applied: hourly while `keel serve` runs, or now with `keel memory retention apply`.
            """);
        command.Subcommands.Add(Set(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Apply(console));
        return command;
    }

    private static Command Set(CliConsole console)
    {
        var scope = new MemoryCommand.ScopeOptions();
        var maxAge = new Option<string>("--max-age")
        {
            Description = "Forget memories stored longer ago than this: 30d, 12h, 90m, 2w, or ISO-8601 (P30D).",
            Required = true,
            HelpName = "AGE",
        };
        var command = new Command("set", """
            Set (or replace) the retention policy of a scope: the customer, narrowed by --user/--agent/--session.
            With --kind only memories of those kinds expire. Each scope has one policy; setting it again replaces it.
            """)
        { maxAge };
        scope.AddTo(command, kinds: true);
        command.SetAction(MemoryCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var request = new MemoryRetentionRequestJson
            {
                UserId = parse.GetValue(scope.User),
                AgentId = parse.GetValue(scope.Agent),
                SessionId = parse.GetValue(scope.Session),
                MaxAge = parse.GetValue(maxAge),
                Kinds = parse.GetValue(scope.Kinds),
            };
            MemoryRetentionWire.ToPolicy(parse.GetValue(scope.Customer)!, request); // refuses bad input before the customer is created

            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(scope.Db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            var customerId = await scope.CustomerIdAsync(parse, store, create: true, cancellationToken).ConfigureAwait(false);
            var policy = MemoryRetentionWire.ToPolicy(customerId, request);
            await store.SetMemoryRetentionAsync(policy, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(scope.Json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(MemoryRetentionWire.ToJson(policy), MemoryApiJson.Indented.MemoryRetentionJson)).ConfigureAwait(false);
                return 0;
            }

            await console.Output.WriteLineAsync(
                $"{KindsText(policy.Kinds)} in {policy.Scope} are forgotten {MemoryRetentionWire.AgeText(policy.MaxAge)} after they were stored "
                + "(applied hourly by `keel serve`, or now by `keel memory retention apply`).").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var db = CommonOptions.Db();
        var customer = MemoryCustomer.Option();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the customer's retention policies.") { customer, db, json };
        command.SetAction(MemoryCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var customerId = await MemoryCustomer.ResolveAsync(store, parse.GetValue(customer)!, create: false, cancellationToken).ConfigureAwait(false);
            var policies = await store.ListMemoryRetentionAsync(customerId, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var list = new MemoryRetentionListJson("list", [.. policies.Select(MemoryRetentionWire.ToJson)]);
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(list, MemoryApiJson.Indented.MemoryRetentionListJson)).ConfigureAwait(false);
                return 0;
            }

            if (policies.Count == 0)
            {
                console.Error.MarkupLine("[grey]No retention policies: memories are kept until forgotten (`keel memory retention set --max-age 30d` sets one).[/]");
                return 0;
            }

            var table = new Table().AddColumns("Scope", "Max age", "Kinds");
            foreach (var policy in policies)
            {
                table.AddRow(Markup.Escape(policy.Scope.ToString()), MemoryRetentionWire.AgeText(policy.MaxAge),
                    policy.Kinds.Count == 0 ? "all" : string.Join(", ", policy.Kinds.Select(MemoryWire.KindName)));
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Apply(CliConsole console)
    {
        var db = CommonOptions.Db();
        var customer = MemoryCustomer.Option();
        var everyone = new Option<bool>("--all-customers") { Description = "Apply every customer's policies, not only --customer's (what `keel serve` does hourly)." };
        var json = CommonOptions.Json();
        var command = new Command("apply", """
            Apply retention now: forget every memory of the customer (or, with --all-customers, of anyone) stored longer
            ago than its scope's policy allows. It cannot be undone.
            """)
        { customer, everyone, db, json };
        command.SetAction(MemoryCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var customerId = parse.GetValue(everyone)
                ? null
                : await MemoryCustomer.ResolveAsync(store, parse.GetValue(customer)!, create: false, cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var removed = customerId is null
                ? await store.ApplyMemoryRetentionAsync(now, cancellationToken).ConfigureAwait(false)
                : await store.ApplyMemoryRetentionAsync(customerId, now, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var applied = new MemoryRetentionApplyJson("memory.retention.apply", customerId, now, removed.Count);
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(applied, MemoryApiJson.Indented.MemoryRetentionApplyJson)).ConfigureAwait(false);
                return 0;
            }

            await console.Output.WriteLineAsync(
                $"Forgot {removed.Count} {(removed.Count == 1 ? "memory" : "memories")} past retention ({(customerId is null ? "all customers" : $"customer {customerId}")}).").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static string KindsText(IReadOnlyList<MemoryKind> kinds) =>
        kinds.Count == 0 ? "Memories" : $"{string.Join(" and ", kinds.Select(MemoryWire.KindName))} memories";
}
