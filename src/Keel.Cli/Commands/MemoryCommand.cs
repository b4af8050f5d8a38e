using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Keel.Memory;
using Keel.Server.Api;
using Keel.Storage;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel memory add|search|list|forget|retention`: a customer's agent memory, straight on the database.</summary>
internal static class MemoryCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("memory", """
            Agent memory: what agents learned across sessions, scoped to a customer and optionally an end user, an agent
            or a session. The same memory `keel serve` serves at /v1/memories and /mcp, and `keel mcp` over stdio.
            """);
        command.Subcommands.Add(Add(console));
        command.Subcommands.Add(Search(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Forget(console));
        command.Subcommands.Add(MemoryRetentionCommand.Create(console));
        return command;
    }

    private static Command Add(CliConsole console)
    {
        var scope = new ScopeOptions();
        var text = new Argument<string>("TEXT") { Description = "The memory, as a self-contained sentence (\"Ann prefers window seats\")." };
        var kind = new Option<string>("--kind") { Description = "episodic (what happened), semantic (a fact) or procedural (a way of working).", DefaultValueFactory = _ => "semantic", HelpName = "KIND" };
        var importance = new Option<double>("--importance") { Description = "0 to 1: how much it weighs in search.", DefaultValueFactory = _ => 0.5, HelpName = "N" };
        var factKey = new Option<string?>("--fact-key") { Description = "Names the fact it states (user.home_city): adding another with the same key in the same scope supersedes this one.", HelpName = "KEY" };
        var occurred = new Option<DateTimeOffset?>("--occurred-at") { Description = "When what it remembers happened (ISO-8601); now by default.", HelpName = "TIME" };
        var source = new SourceOptions();
        var command = new Command("add", "Remember something. Identical memories in a scope are stored once.") { text, kind, importance, factKey, occurred };
        scope.AddTo(command);
        source.AddTo(command);
        command.SetAction(Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(scope.Db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            var customerId = await scope.CustomerIdAsync(parse, store, create: true, cancellationToken).ConfigureAwait(false);
            var input = new MemoryInputJson
            {
                Text = parse.GetValue(text),
                Kind = parse.GetValue(kind),
                UserId = parse.GetValue(scope.User),
                AgentId = parse.GetValue(scope.Agent),
                SessionId = parse.GetValue(scope.Session),
                Importance = parse.GetValue(importance),
                FactKey = parse.GetValue(factKey),
                OccurredAt = parse.GetValue(occurred),
                Source = source.Read(parse),
            };
            var memory = MemoryServices.Create(store);
            var written = await memory.AddAsync(MemoryWire.ToNew(customerId, input), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(scope.Json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(MemoryWire.ToJson(written, DateTimeOffset.UtcNow), MemoryApiJson.Indented.MemoryWriteJson)).ConfigureAwait(false);
                return 0;
            }

            await console.Output.WriteLineAsync(written.Memory.Id).ConfigureAwait(false);
            if (written.Deduplicated)
            {
                await console.ErrorWriter.WriteLineAsync("keel: an identical memory was already in this scope; nothing new was stored.").ConfigureAwait(false);
            }

            foreach (var old in written.Superseded)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: supersedes {old} (kept as history).").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    private static Command Search(CliConsole console)
    {
        var scope = new ScopeOptions();
        var query = new Argument<string>("QUERY") { Description = "What to look for, in plain words." };
        var k = new Option<int>("--k") { Description = $"How many memories to return (1 to {MemoryWire.MaxK}).", DefaultValueFactory = _ => 10, HelpName = "N" };
        var neighbours = new Option<int>("--neighbours") { Description = "Also show this many adjacent turns around each hit.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var history = new Option<bool>("--history") { Description = "Also search superseded memories." };
        var command = new Command("search", "Hybrid search (meaning, exact words, recency, importance), best first.") { query, k, neighbours, history };
        scope.AddTo(command, kinds: true);
        command.SetAction(Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(scope.Db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var customerId = await scope.CustomerIdAsync(parse, store, create: false, cancellationToken).ConfigureAwait(false);
            var request = new MemorySearchRequestJson
            {
                Query = parse.GetValue(query),
                K = parse.GetValue(k),
                UserId = parse.GetValue(scope.User),
                AgentId = parse.GetValue(scope.Agent),
                SessionId = parse.GetValue(scope.Session),
                Kinds = parse.GetValue(scope.Kinds),
                Neighbours = parse.GetValue(neighbours),
                IncludeHistory = parse.GetValue(history),
            };
            var result = await MemoryServices.Create(store).SearchAsync(MemoryWire.ToQuery(customerId, request), cancellationToken).ConfigureAwait(false);
            var json = MemoryWire.ToJson(result, DateTimeOffset.UtcNow);
            if (parse.GetValue(scope.Json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(json, MemoryApiJson.Indented.MemorySearchJson)).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("Score", "Memory", "Kind", "Scope", "Occurred (UTC)", "Text");
            foreach (var hit in json.Data)
            {
                table.AddRow(hit.Neighbour ? "[grey]±[/]" : hit.Score.ToString("0.000", CultureInfo.InvariantCulture), hit.Memory.Id, hit.Memory.Kind,
                    Markup.Escape(ScopeText(hit.Memory)), Time(hit.Memory.OccurredAt), Markup.Escape(hit.Memory.Text));
            }

            console.Out.Write(table);
            console.Error.MarkupLine($"[grey]{json.Data.Count} memories in {json.ElapsedMs.ToString("0.0", CultureInfo.InvariantCulture)} ms{(json.Approximate ? " (approximate index)" : "")}.[/]");
            return 0;
        }));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var scope = new ScopeOptions();
        var history = new Option<bool>("--history") { Description = "Also list superseded and expired memories." };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first.", DefaultValueFactory = _ => 50, HelpName = "N" };
        CommonOptions.AtLeast(limit, 1);
        var command = new Command("list", "List memories, newest first.") { history, limit };
        scope.AddTo(command, kinds: true);
        command.SetAction(Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(scope.Db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var customerId = await scope.CustomerIdAsync(parse, store, create: false, cancellationToken).ConfigureAwait(false);
            var filter = MemoryWire.Filter(customerId, parse.GetValue(scope.User), parse.GetValue(scope.Agent), parse.GetValue(scope.Session), parse.GetValue(scope.Kinds),
                null, null, null, parse.GetValue(history), null);
            var max = Math.Min(parse.GetValue(limit), MemoryWire.MaxListLimit);
            var found = await store.ListMemoriesAsync(filter, max + 1, cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var list = new MemoryListJson("list", [.. found.Take(max).Select(m => MemoryWire.ToJson(m, now))], found.Count > max);
            if (parse.GetValue(scope.Json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(list, MemoryApiJson.Indented.MemoryListJson)).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("Memory", "Kind", "Scope", "Occurred (UTC)", "Current", "Text");
            foreach (var memory in list.Data)
            {
                table.AddRow(memory.Id, memory.Kind, Markup.Escape(ScopeText(memory)), Time(memory.OccurredAt),
                    memory.Current ? "yes" : memory.SupersededBy is { } by ? $"[grey]by {by}[/]" : "[grey]no[/]", Markup.Escape(memory.Text));
            }

            console.Out.Write(table);
            if (list.HasMore)
            {
                console.Error.MarkupLine($"[grey]Showing the newest {max}; more with --limit.[/]");
            }

            return 0;
        }));
        return command;
    }

    private static Command Forget(CliConsole console)
    {
        var scope = new ScopeOptions();
        var ids = new Option<string[]>("--id") { Description = "A memory to forget (repeatable).", HelpName = "ID", AllowMultipleArgumentsPerToken = false };
        var source = new SourceOptions();
        var all = new Option<bool>("--all-in-scope") { Description = "Erase every memory in the scope given by --user/--agent/--session (the whole customer when none is given): an erasure request. Needs --yes." };
        var yes = new Option<bool>("--yes") { Description = "Confirm --all-in-scope: it cannot be undone." };
        var command = new Command("forget", """
            Forget memories for good: text, embedding and index entries, history included. By --id, by source
            (--source-session, --source-task, --source-message, --source-external-id), or a whole scope with
            --all-in-scope --yes.
            """)
        { ids, all, yes };
        scope.AddTo(command);
        source.AddTo(command);
        command.SetAction(Guarded(console, async (parse, cancellationToken) =>
        {
            if (parse.GetValue(all) && !parse.GetValue(yes))
            {
                await console.ErrorWriter.WriteLineAsync("keel: --all-in-scope erases every memory in the scope and cannot be undone; add --yes to confirm.").ConfigureAwait(false);
                return 1;
            }

            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(scope.Db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var customerId = await scope.CustomerIdAsync(parse, store, create: false, cancellationToken).ConfigureAwait(false);
            var request = MemoryWire.ToForget(customerId, new MemoryForgetRequestJson
            {
                UserId = parse.GetValue(scope.User),
                AgentId = parse.GetValue(scope.Agent),
                SessionId = parse.GetValue(scope.Session),
                Ids = parse.GetValue(ids),
                Source = source.Read(parse),
                AllInScope = parse.GetValue(all),
            });
            if (request.Ids.Count > 0)
            {
                var found = await store.GetMemoriesAsync(customerId, request.Ids, cancellationToken).ConfigureAwait(false);
                if (request.Ids.FirstOrDefault(id => !found.Any(m => m.Id == id)) is { } missing)
                {
                    await console.ErrorWriter.WriteLineAsync($"keel: no memory '{missing}' for this customer; nothing was forgotten.").ConfigureAwait(false);
                    return 1;
                }
            }

            var deleted = await MemoryServices.Create(store).ForgetAsync(request, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(scope.Json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(new MemoryForgetJson("memory.forget", deleted), MemoryApiJson.Indented.MemoryForgetJson)).ConfigureAwait(false);
            }
            else
            {
                await console.Output.WriteLineAsync($"Forgot {deleted} {(deleted == 1 ? "memory" : "memories")} in {request.Scope}.").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Like <see cref="KeelCommand.Guarded"/>, and input the memory API refuses is one clear line too.</summary>
    internal static Func<ParseResult, CancellationToken, Task<int>> Guarded(CliConsole console, Func<ParseResult, CancellationToken, Task<int>> action) =>
        KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MemoryInputException or ArgumentException)
            {
                var option = ex is MemoryInputException { Param: { } param } ? $" (--{OptionName(param)})" : "";
                await console.ErrorWriter.WriteLineAsync($"keel: {ex.Message}{option}").ConfigureAwait(false);
                return 1;
            }
        });

    private static string OptionName(string param) => param switch
    {
        "user_id" => "user",
        "agent_id" => "agent",
        "session_id" => "session",
        "kinds" => "kind",
        "k" => "k",
        _ => param.Replace('_', '-').Replace("source.", "source-", StringComparison.Ordinal),
    };

    private static string ScopeText(MemoryJson memory) =>
        string.Join(' ', new[] { ("user", memory.UserId), ("agent", memory.AgentId), ("session", memory.SessionId) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}:{p.Item2}")) is { Length: > 0 } text ? text : "(customer)";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The options every memory command shares: the database, the customer and the scope within it.</summary>
    internal sealed class ScopeOptions
    {
        public Option<string> Db { get; } = CommonOptions.Db();

        public Option<string> Customer { get; } = MemoryCustomer.Option();

        public Option<string?> User { get; } = new("--user") { Description = "The end user (narrows the scope).", HelpName = "ID" };

        public Option<string?> Agent { get; } = new("--agent") { Description = "The agent (narrows the scope).", HelpName = "NAME" };

        public Option<string?> Session { get; } = new("--session") { Description = "The session (narrows the scope).", HelpName = "ID" };

        public Option<string[]> Kinds { get; } = new("--kind") { Description = "Only these kinds: episodic, semantic, procedural (repeatable).", HelpName = "KIND" };

        public Option<bool> Json { get; } = CommonOptions.Json();

        public void AddTo(Command command, bool kinds = false)
        {
            command.Options.Add(Customer);
            command.Options.Add(User);
            command.Options.Add(Agent);
            command.Options.Add(Session);
            if (kinds)
            {
                command.Options.Add(Kinds);
            }

            command.Options.Add(Db);
            command.Options.Add(Json);
        }

        public Task<string> CustomerIdAsync(ParseResult parse, IKeelStore store, bool create, CancellationToken cancellationToken) =>
            MemoryCustomer.ResolveAsync(store, parse.GetValue(Customer)!, create, cancellationToken);
    }

    /// <summary>Where a memory came from: <c>--source-*</c>.</summary>
    private sealed class SourceOptions
    {
        private readonly Option<string?> _session = new("--source-session") { Description = "The session it came from.", HelpName = "ID" };
        private readonly Option<string?> _task = new("--source-task") { Description = "The task it came from.", HelpName = "ID" };
        private readonly Option<int?> _step = new("--source-step") { Description = "The task's step it came from.", HelpName = "SEQ" };
        private readonly Option<string?> _message = new("--source-message") { Description = "The message it came from.", HelpName = "ID" };
        private readonly Option<string?> _external = new("--source-external-id") { Description = "An id in another system (a ticket, a document).", HelpName = "ID" };

        public void AddTo(Command command)
        {
            command.Options.Add(_session);
            command.Options.Add(_task);
            command.Options.Add(_step);
            command.Options.Add(_message);
            command.Options.Add(_external);
        }

        public MemorySourceJson? Read(ParseResult parse)
        {
            var source = new MemorySourceJson(parse.GetValue(_session), parse.GetValue(_task), parse.GetValue(_step), parse.GetValue(_message), parse.GetValue(_external));
            return source == new MemorySourceJson() ? null : source;
        }
    }
}
