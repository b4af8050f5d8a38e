using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel budgets set` for every scope kind, `keel budgets --json`, and the mistakes it refuses.</summary>
public sealed class BudgetsCommandTests
{
    private static async Task<IReadOnlyList<JsonElement>> ListAsync(string db)
    {
        var result = await CliRunner.RunAsync("budgets", "--json", "--db", db);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Json.ParseArray(result.Stdout);
    }

    private static async Task SetAsync(string db, params string[] args)
    {
        var result = await CliRunner.RunAsync(["budgets", "set", .. args, "--db", db]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("keel: budget bud", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_creates_a_budget_of_each_scope_kind_and_the_list_shows_them_as_JSON()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        var taskId = await SeededDatabase.TaskAsync(db);
        var key = Json.ParseSingle((await CliRunner.RunAsync("keys", "create", "--customer", "acme", "--json", "--db", db)).Stdout).Str("id");

        await SetAsync(db, "--customer", "acme", "--limit-usd", "100", "--period", "monthly");
        await SetAsync(db, "--key", key, "--limit-usd", "20", "--period", "daily", "--thresholds", "0.9", "--webhook", "http://127.0.0.1:9/hook");
        await SetAsync(db, "--session", "sess-1", "--customer", "acme", "--limit-usd", "5");
        await SetAsync(db, "--task", taskId, "--limit-usd", "2.5");
        await SetAsync(db, "--agent", "support", "--customer", "acme", "--limit-usd", "40");
        var budgets = await ListAsync(db);

        var acmeId = budgets.Single(b => b.Str("scope") == "customer").Str("scope_id");
        Assert.Equal(
            [("agent", "support", 40m, "total"), ("customer", acmeId, 100m, "monthly"), ("key", key, 20m, "daily"), ("session", "sess-1", 5m, "total"), ("task", taskId, 2.5m, "total")],
            budgets.Select(b => (b.Str("scope"), b.Str("scope_id"), b.Dec("limit_usd"), b.Str("period"))).OrderBy(b => b.Item1, StringComparer.Ordinal));
        Assert.All(budgets, b =>
        {
            Assert.Equal(acmeId, b.Str("customer_id"));
            Assert.Equal(0m, b.Dec("spent_usd"));
            Assert.Equal(0m, b.Dec("reserved_usd"));
            Assert.Equal(b.Dec("limit_usd"), b.Dec("remaining_usd"));
            Assert.StartsWith("bud", b.Str("id"), StringComparison.Ordinal);
        });
        var keyBudget = budgets.Single(b => b.Str("scope") == "key");
        Assert.Equal([0.9m], keyBudget.GetProperty("thresholds").EnumerateArray().Select(t => t.GetDecimal()));
        Assert.Equal("http://127.0.0.1:9/hook", keyBudget.Str("webhook_url"));
        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date, keyBudget.GetProperty("period_start").GetDateTimeOffset().UtcDateTime);
        Assert.Equal([0.5m, 0.8m, 1m], budgets.Single(b => b.Str("scope") == "task").GetProperty("thresholds").EnumerateArray().Select(t => t.GetDecimal()));
    }

    [Fact]
    public async Task Setting_a_scope_again_changes_its_budget_rather_than_adding_one()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        await SetAsync(db, "--customer", "acme", "--limit-usd", "100");
        await SetAsync(db, "--customer", "acme", "--limit-usd", "250", "--period", "daily");

        var budget = Assert.Single(await ListAsync(db));
        Assert.Equal((250m, "daily"), (budget.Dec("limit_usd"), budget.Str("period")));
    }

    [Fact]
    public async Task Two_customers_agents_of_the_same_name_have_budgets_of_their_own()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        await SetAsync(db, "--agent", "support", "--customer", "acme", "--limit-usd", "40");
        await SetAsync(db, "--agent", "support", "--customer", "globex", "--limit-usd", "7");

        var budgets = await ListAsync(db);
        Assert.Equal(2, budgets.Count);
        Assert.Equal([7m, 40m], budgets.Select(b => b.Dec("limit_usd")).Order());
        Assert.Equal(2, budgets.Select(b => b.Str("customer_id")).Distinct().Count());
    }

    [Fact]
    public async Task Spending_shows_in_the_list()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        var taskId = await SeededDatabase.TaskAsync(db);
        await SetAsync(db, "--customer", "acme", "--limit-usd", "100");
        await SetAsync(db, "--task", taskId, "--limit-usd", "20");
        await CliRunner.RunAsync("oversight", "rate", "--customer", "acme", "--usd-per-hour", "90", "--db", db);
        await CliRunner.RunAsync("oversight", "record", "--task", taskId, "--who", "ann", "--seconds", "600", "--db", db);

        var budgets = await ListAsync(db);

        Assert.All(budgets, b => Assert.Equal(15m, b.Dec("spent_usd")));
        Assert.Equal([5m, 85m], budgets.Select(b => b.Dec("remaining_usd")).Order());
    }

    [Theory]
    [InlineData("Name exactly one scope", "--limit-usd", "5")]
    [InlineData("Name exactly one scope", "--key", "key_x", "--task", "task_x", "--limit-usd", "5")]
    [InlineData("Name exactly one scope", "--session", "s", "--agent", "a", "--customer", "acme", "--limit-usd", "5")]
    [InlineData("An agent budget needs --customer", "--agent", "support", "--limit-usd", "5")]
    [InlineData("A session budget needs --customer", "--session", "sess-1", "--limit-usd", "5")]
    [InlineData("No API key 'key_nope'", "--key", "key_nope", "--limit-usd", "5")]
    [InlineData("No task 'task_nope'", "--task", "task_nope", "--limit-usd", "5")]
    [InlineData("--thresholds: 'lots'", "--customer", "acme", "--limit-usd", "5", "--thresholds", "0.5,lots")]
    public async Task A_wrong_scope_fails_with_one_clear_line_and_stores_nothing(string expected, params string[] args)
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        await SeededDatabase.TaskAsync(db);

        var result = await CliRunner.RunAsync(["budgets", "set", .. args, "--db", db]);

        CliAssert.FailsWithOneLine(result, expected);
        Assert.Empty(await ListAsync(db));
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("-0.01")]
    public async Task A_negative_limit_is_refused_by_the_parser(string limit)
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        await SeededDatabase.TaskAsync(db);

        var result = await CliRunner.RunAsync("budgets", "set", "--customer", "acme", "--limit-usd", limit, "--db", db);

        CliAssert.RejectedByParser(result, "--limit-usd must not be negative.");
        Assert.Equal("--limit-usd must not be negative.", result.Stderr.Trim());
        Assert.Empty(await ListAsync(db));
    }

    [Fact]
    public async Task Without_a_limit_the_parser_says_it_is_required()
    {
        var result = await CliRunner.RunAsync("budgets", "set", "--customer", "acme");

        CliAssert.RejectedByParser(result, "--limit-usd");
    }
}
