using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel memory add|search|list|forget` and `keel mcp --help`, in-process on a temp database.</summary>
public sealed class MemoryCommandTests
{
    private static List<string> Ids(CliResult result, string? inner = null)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return [.. document.RootElement.GetProperty("data").EnumerateArray().Select(e => (inner is null ? e : e.GetProperty(inner)).GetProperty("id").GetString()!)];
    }

    [Fact]
    public async Task A_memory_added_is_listed_found_and_forgotten()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        var added = await CliRunner.RunAsync("memory", "add", "Ann prefers a window seat on long flights", "--user", "ann", "--customer", "acme", "--db", db);
        await CliRunner.RunAsync("memory", "add", "The quarterly report is due on Friday", "--user", "ann", "--kind", "episodic", "--customer", "acme", "--db", db);

        Assert.True(added.ExitCode == 0, added.ToString());
        var id = added.Stdout.Trim();
        Assert.StartsWith("mem_", id, StringComparison.Ordinal);
        Assert.Equal(2, Ids(await CliRunner.RunAsync("memory", "list", "--user", "ann", "--customer", "acme", "--db", db, "--json")).Count);
        Assert.Equal([id], Ids(await CliRunner.RunAsync("memory", "list", "--kind", "semantic", "--customer", "acme", "--db", db, "--json")));
        var found = await CliRunner.RunAsync("memory", "search", "Which seat does Ann like when flying?", "--user", "ann", "--customer", "acme", "--db", db, "--json");
        Assert.Equal(id, Ids(found, "memory")[0]);
        var table = await CliRunner.RunAsync("memory", "search", "window seat", "--customer", "acme", "--db", db);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(id, table.Stdout, StringComparison.Ordinal);
        Assert.Contains("user:ann", table.Stdout, StringComparison.Ordinal);

        var forgot = await CliRunner.RunAsync("memory", "forget", "--id", id, "--customer", "acme", "--db", db);
        Assert.True(forgot.ExitCode == 0, forgot.ToString());
        Assert.Contains("Forgot 1 memory", forgot.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(id, Ids(await CliRunner.RunAsync("memory", "search", "Which seat does Ann like when flying?", "--customer", "acme", "--db", db, "--json"), "memory"));
        var again = await CliRunner.RunAsync("memory", "forget", "--id", id, "--customer", "acme", "--db", db);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"no memory '{id}'", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_scope_needs_yes_and_then_removes_only_that_scope()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        await CliRunner.RunAsync("memory", "add", "Ann works in accounting", "--user", "ann", "--customer", "acme", "--db", db);
        await CliRunner.RunAsync("memory", "add", "Bob works in sales", "--user", "bob", "--customer", "acme", "--db", db);
        await CliRunner.RunAsync("memory", "add", "Ann at globex likes tea", "--user", "ann", "--customer", "globex", "--db", db);

        var unconfirmed = await CliRunner.RunAsync("memory", "forget", "--all-in-scope", "--user", "ann", "--customer", "acme", "--db", db);
        var nothing = await CliRunner.RunAsync("memory", "forget", "--customer", "acme", "--db", db);
        Assert.Equal(1, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("all_in_scope", nothing.Stderr, StringComparison.Ordinal);
        Assert.Single(Ids(await CliRunner.RunAsync("memory", "list", "--user", "ann", "--customer", "acme", "--db", db, "--json")));

        var erased = await CliRunner.RunAsync("memory", "forget", "--all-in-scope", "--yes", "--user", "ann", "--customer", "acme", "--db", db, "--json");
        Assert.True(erased.ExitCode == 0, erased.ToString());
        using (var document = JsonDocument.Parse(erased.Stdout))
        {
            Assert.Equal(1, document.RootElement.GetProperty("deleted").GetInt32());
        }

        Assert.Empty(Ids(await CliRunner.RunAsync("memory", "list", "--user", "ann", "--history", "--customer", "acme", "--db", db, "--json")));
        Assert.Single(Ids(await CliRunner.RunAsync("memory", "list", "--user", "bob", "--customer", "acme", "--db", db, "--json")));
        Assert.Single(Ids(await CliRunner.RunAsync("memory", "list", "--user", "ann", "--customer", "globex", "--db", db, "--json")));
    }

    [Fact]
    public async Task Bad_input_is_one_clear_line_and_exit_1()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        var kind = await CliRunner.RunAsync("memory", "add", "x", "--kind", "gossip", "--db", db);
        var importance = await CliRunner.RunAsync("memory", "add", "x", "--importance", "3", "--db", db);
        var unknown = await CliRunner.RunAsync("memory", "list", "--customer", "nobody", "--db", db);

        Assert.Equal(1, kind.ExitCode);
        Assert.Equal("keel: 'kind' must be episodic, semantic or procedural, not 'gossip'. (--kind)", kind.Stderr.Trim());
        Assert.Equal(1, importance.ExitCode);
        Assert.Contains("--importance", importance.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No customer 'nobody'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal("", kind.Stdout);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_their_options()
    {
        var memory = await CliRunner.RunAsync("memory", "--help");
        var forget = await CliRunner.RunAsync("memory", "forget", "--help");
        var search = await CliRunner.RunAsync("memory", "search", "--help");
        var mcp = await CliRunner.RunAsync("mcp", "--help");

        Assert.True(memory.ExitCode == 0, memory.ToString());
        Assert.All(["add", "search", "list", "forget"], c => Assert.Matches($@"(?m)^\s+{c}\s", memory.Stdout));
        Assert.All(["--id", "--source-session", "--source-external-id", "--all-in-scope", "--yes", "--user", "--agent", "--session", "--customer", "--db", "--json"],
            o => Assert.Contains(o, forget.Stdout, StringComparison.Ordinal));
        Assert.All(["QUERY", "--k", "--kind", "--neighbours"], o => Assert.Contains(o, search.Stdout, StringComparison.Ordinal));
        Assert.All(["--db", "--customer", "memory_search", "tool_state_set", "stderr"], o => Assert.Contains(o, mcp.Stdout, StringComparison.Ordinal));
    }
}
