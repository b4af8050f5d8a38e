using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel demo --prices FILE` prices calls from the file, and names the file when it is unusable.</summary>
public sealed class PriceTableTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<string> WriteAsync(string name, string content)
    {
        var path = _temp.File(name);
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        return path;
    }

    [Fact]
    public async Task An_override_file_sets_the_price_of_the_models()
    {
        // One flat price for every model the demo calls: then the cost follows from the token counts alone.
        var prices = await WriteAsync("prices.json", """
            {
              // comments are allowed
              "models": {
                "sim-fast":  { "input": 1, "output": 2 },
                "sim-large": { "input": 1, "cached_input": 1, "output": 2 }
              }
            }
            """);

        var result = await CliRunner.RunAsync("demo", "--json", "--tasks", "4", "--db", _temp.File("demo.db"), "--prices", prices);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Json.ParseSingle(result.Stdout);
        var expected = ((summary.Long("input_tokens") * 1m) + (summary.Long("output_tokens") * 2m)) / 1_000_000m;
        Assert.True(expected > 0);
        Assert.Equal(expected, summary.Dec("model_cost_usd")); // cost_usd also holds tool calls and human oversight
        Assert.Equal(summary.Dec("model_cost_usd") + summary.Dec("tool_cost_usd") + summary.Dec("human_cost_usd"), summary.Dec("cost_usd"));
    }

    [Fact]
    public async Task A_file_that_is_not_json_is_named()
    {
        var prices = await WriteAsync("broken.json", "{ models: nope");
        var db = _temp.File("demo.db");

        var result = await CliRunner.RunAsync("demo", "--tasks", "1", "--db", db, "--prices", prices);

        CliAssert.FailsWithOneLine(result, $"Price table {prices} is not valid JSON");
        Assert.False(File.Exists(db));
    }

    [Fact]
    public async Task A_price_that_is_not_a_number_is_named_with_its_file()
    {
        var prices = await WriteAsync("bad-price.json", """{ "models": { "sim-fast": { "input": "cheap", "output": 1 } } }""");

        var result = await CliRunner.RunAsync("demo", "--tasks", "1", "--db", _temp.File("demo.db"), "--prices", prices);

        CliAssert.FailsWithOneLine(result, $"Price table {prices}: models.sim-fast.input must be a non-negative number.");
    }

    [Fact]
    public async Task A_missing_output_price_is_named_with_its_file()
    {
        var prices = await WriteAsync("no-output.json", """{ "models": { "sim-fast": { "input": 1 } } }""");

        var result = await CliRunner.RunAsync("demo", "--tasks", "1", "--db", _temp.File("demo.db"), "--prices", prices);

        CliAssert.FailsWithOneLine(result, $"Price table {prices}: models.sim-fast.output is missing.");
    }

    [Fact]
    public async Task A_missing_price_file_is_named()
    {
        var prices = _temp.File("absent.json");

        var result = await CliRunner.RunAsync("demo", "--tasks", "1", "--db", _temp.File("demo.db"), "--prices", prices);

        CliAssert.FailsWithOneLine(result, prices);
    }
}
