using System.Text.Json;
using Xunit;

[assembly: AssemblyFixture(typeof(Keel.Cli.Tests.DemoDatabase))]

namespace Keel.Cli.Tests;

/// <summary>
/// One run of `keel demo --tasks 50 --json` (default seed) into a temporary database, shared by every test that
/// reads a demo's results so that the suite runs the 50 tasks once.
/// </summary>
public sealed class DemoDatabase : IAsyncLifetime
{
    public const int TaskCount = 50;

    private readonly TempDirectory _directory = new();

    public string Path => _directory.File("demo.db");

    /// <summary>The demo's JSON summary.</summary>
    public JsonElement Summary { get; private set; }

    /// <summary>Every task of the run, as `keel tasks --json` lists them.</summary>
    public IReadOnlyList<JsonElement> Tasks { get; private set; } = [];

    internal CliResult Demo { get; private set; } = new(-1, "", "");

    public async ValueTask InitializeAsync()
    {
        Demo = await CliRunner.RunAsync("demo", "--tasks", TaskCount.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "--db", Path);
        Assert.True(Demo.ExitCode == 0, Demo.ToString());
        Summary = Json.ParseSingle(Demo.Stdout);

        var tasks = await CliRunner.RunAsync("tasks", "--db", Path, "--json", "--limit", "1000");
        Assert.True(tasks.ExitCode == 0, tasks.ToString());
        Tasks = Json.ParseArray(tasks.Stdout);
    }

    public IEnumerable<JsonElement> WithStatus(string status) => Tasks.Where(t => t.Str("status") == status);

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
