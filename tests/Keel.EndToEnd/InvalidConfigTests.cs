using Xunit;

namespace Keel.EndToEnd;

/// <summary>`keel serve` with a config it cannot run: it must refuse at once, in one line that names the field.</summary>
public sealed class InvalidConfigTests : IDisposable
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("unknown-deployment", "models.chat.deployments[1]", "unknown deployment 'nowhere'", """
        providers:
          mock: { type: openai, base_url: http://127.0.0.1:9/v1 }
        deployments:
          one: { provider: mock, model: gpt-4o-mini }
        models:
          chat: { deployments: [one, nowhere] }
        """)]
    [InlineData("misspelt-field", "retry.max_retires", "unknown field", """
        providers:
          mock: { type: openai, base_url: http://127.0.0.1:9/v1 }
        deployments:
          one: { provider: mock, model: gpt-4o-mini }
        models:
          chat: { deployments: [one] }
        retry:
          max_retires: 3
        """)]
    [InlineData("bad-provider-type", "providers.mock.type", "'openia' is not one of", """
        providers:
          mock: { type: openia, base_url: http://127.0.0.1:9/v1 }
        deployments:
          one: { provider: mock, model: gpt-4o-mini }
        models:
          chat: { deployments: [one] }
        """)]
    public async Task Serve_exits_non_zero_with_one_line_naming_the_field(string name, string field, string problem, string yaml)
    {
        var config = _temp.File($"{name}.yaml");
        await File.WriteAllTextAsync(config, yaml, TestContext.Current.CancellationToken);

        await using var serve = KeelProcess.Start("serve", "--config", config, "--db", _temp.File($"{name}.db"), "--urls", "http://127.0.0.1:0");
        var exitCode = await serve.WaitForExitAsync(Quickly);

        Assert.True(exitCode != 0, serve.Describe());
        var stderr = serve.Stderr.Trim();
        var line = Assert.Single(stderr.Split('\n'));
        Assert.StartsWith("keel: ", line, StringComparison.Ordinal);
        Assert.Contains(config, line, StringComparison.Ordinal);
        Assert.Contains(field, line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", serve.Stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }
}
