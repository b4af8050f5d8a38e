using System.Text.Json;
using Keel.Memory;
using Keel.Storage.Sqlite;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>
/// `keel memory retention set|list|apply` on a temp database. Old memories are written by a store whose clock is 60
/// days behind, the only way a memory gets an old stored time.
/// </summary>
public sealed class MemoryRetentionCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static async Task RememberLongAgoAsync(string db, params (string Customer, string User, MemoryKind Kind, string Text)[] memories)
    {
        await using var past = await SqliteKeelStore.OpenAsync(db, new SqliteStoreOptions { TimeProvider = new FixedTime(DateTimeOffset.UtcNow.AddDays(-60)) }, Ct);
        var written = new List<NewMemory>();
        foreach (var (customer, user, kind, text) in memories)
        {
            written.Add(new NewMemory(new MemoryScope((await past.EnsureCustomerAsync(customer, Ct)).Id, user), kind, text));
        }

        await past.AddMemoriesAsync(written, Ct);
    }

    private static async Task<List<string>> TextsAsync(string db, string customer, string user)
    {
        var listed = await CliRunner.RunAsync("memory", "list", "--user", user, "--history", "--customer", customer, "--db", db, "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        using var document = JsonDocument.Parse(listed.Stdout);
        return [.. document.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task A_policy_set_listed_and_applied_forgets_old_memories_of_its_scope_only()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        await RememberLongAgoAsync(db,
            ("acme", "ann", MemoryKind.Episodic, "Ann reported a broken printer"),
            ("acme", "ann", MemoryKind.Semantic, "Ann works in accounting"),
            ("acme", "bob", MemoryKind.Episodic, "Bob asked for a refund"),
            ("globex", "ann", MemoryKind.Episodic, "Globex's Ann renewed her plan"));
        var recent = await CliRunner.RunAsync("memory", "add", "Ann reported a paper jam", "--kind", "episodic", "--user", "ann", "--customer", "acme", "--db", db);
        Assert.True(recent.ExitCode == 0, recent.ToString());

        var set = await CliRunner.RunAsync("memory", "retention", "set", "--max-age", "30d", "--user", "ann", "--kind", "episodic", "--customer", "acme", "--db", db);
        var globex = await CliRunner.RunAsync("memory", "retention", "set", "--max-age", "P1D", "--customer", "globex", "--db", db, "--json");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("30d", set.Stdout, StringComparison.Ordinal);
        Assert.Equal("P1D", Json(globex).GetProperty("max_age").GetString());

        var listed = Json(await CliRunner.RunAsync("memory", "retention", "list", "--customer", "acme", "--db", db, "--json"));
        var policy = Assert.Single(listed.GetProperty("data").EnumerateArray());
        Assert.Equal(("ann", "P30D", 30.0), (policy.GetProperty("user_id").GetString(), policy.GetProperty("max_age").GetString(), policy.GetProperty("max_age_days").GetDouble()));
        Assert.Equal(["episodic"], policy.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        var table = await CliRunner.RunAsync("memory", "retention", "list", "--customer", "acme", "--db", db);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("30d", table.Stdout, StringComparison.Ordinal);

        var applied = Json(await CliRunner.RunAsync("memory", "retention", "apply", "--customer", "acme", "--db", db, "--json"));

        Assert.Equal(1, applied.GetProperty("deleted").GetInt32());
        Assert.Equal(["Ann reported a paper jam", "Ann works in accounting"], await TextsAsync(db, "acme", "ann")); // recent, or not episodic
        Assert.Equal(["Bob asked for a refund"], await TextsAsync(db, "acme", "bob")); // no policy for Bob
        Assert.Equal(["Globex's Ann renewed her plan"], await TextsAsync(db, "globex", "ann")); // Globex's policy was not applied

        var everyone = await CliRunner.RunAsync("memory", "retention", "apply", "--all-customers", "--db", db);
        Assert.True(everyone.ExitCode == 0, everyone.ToString());
        Assert.Contains("Forgot 1 memory", everyone.Stdout, StringComparison.Ordinal);
        Assert.Empty(await TextsAsync(db, "globex", "ann"));
    }

    [Fact]
    public async Task Bad_ages_and_kinds_are_one_clear_line_and_exit_1()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        var zero = await CliRunner.RunAsync("memory", "retention", "set", "--max-age", "0d", "--db", db);
        var vague = await CliRunner.RunAsync("memory", "retention", "set", "--max-age", "a while", "--db", db);
        var kind = await CliRunner.RunAsync("memory", "retention", "set", "--max-age", "30d", "--kind", "eternal", "--db", db);
        var missing = await CliRunner.RunAsync("memory", "retention", "set", "--db", db);

        Assert.Equal(1, zero.ExitCode);
        Assert.Contains("(--max-age)", zero.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, vague.ExitCode);
        Assert.Contains("'max_age' must be a duration", vague.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, kind.ExitCode);
        Assert.Contains("(--kind)", kind.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("--max-age", missing.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(db)); // refused before anything was opened or created
    }

    [Fact]
    public async Task Help_explains_the_commands_and_their_options()
    {
        var retention = await CliRunner.RunAsync("memory", "retention", "--help");
        var set = await CliRunner.RunAsync("memory", "retention", "set", "--help");
        var apply = await CliRunner.RunAsync("memory", "retention", "apply", "--help");

        Assert.True(retention.ExitCode == 0, retention.ToString());
        Assert.All(["set", "list", "apply"], c => Assert.Matches($@"(?m)^\s+{c}\s", retention.Stdout));
        Assert.All(["--max-age", "30d", "--user", "--agent", "--session", "--kind", "--customer", "--db", "--json"], o => Assert.Contains(o, set.Stdout, StringComparison.Ordinal));
        Assert.All(["--all-customers", "--customer", "--json"], o => Assert.Contains(o, apply.Stdout, StringComparison.Ordinal));
    }
}
