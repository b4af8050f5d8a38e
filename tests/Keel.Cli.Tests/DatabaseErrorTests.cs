using Xunit;

namespace Keel.Cli.Tests;

/// <summary>A database that is missing or is not Keel's fails with one clear line, and is left as it was.</summary>
public sealed class DatabaseErrorTests(DemoDatabase demo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Tasks_on_a_missing_database_says_it_does_not_exist_and_creates_nothing()
    {
        var folder = _temp.File("no-such-dir");
        var db = Path.Combine(folder, "x.db");

        var result = await CliRunner.RunAsync("tasks", "--db", db);

        CliAssert.FailsWithOneLine(result, "does not exist");
        Assert.Contains(db, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Tasks_on_a_path_under_a_missing_root_folder_says_it_does_not_exist()
    {
        var result = await CliRunner.RunAsync("tasks", "--db", "/nonexistent/dir/x.db");

        CliAssert.FailsWithOneLine(result, "does not exist");
    }

    [Fact]
    public async Task Trace_on_a_missing_database_says_it_does_not_exist()
    {
        var result = await CliRunner.RunAsync("trace", "task_x", "--db", _temp.File("missing.db"));

        CliAssert.FailsWithOneLine(result, "does not exist");
        Assert.False(File.Exists(_temp.File("missing.db")));
    }

    [Theory]
    [InlineData("tasks")]
    [InlineData("trace")]
    [InlineData("demo")]
    public async Task A_file_of_garbage_is_not_a_keel_database(string command)
    {
        var db = _temp.File("garbage.db");
        var garbage = new byte[4096];
        new Random(1234).NextBytes(garbage);
        await File.WriteAllBytesAsync(db, garbage, TestContext.Current.CancellationToken);
        string[] args = command switch
        {
            "trace" => ["trace", "task_x", "--db", db],
            "demo" => ["demo", "--tasks", "1", "--db", db],
            _ => [command, "--db", db],
        };

        var result = await CliRunner.RunAsync(args);

        CliAssert.FailsWithOneLine(result, "not a Keel database");
        Assert.Contains(db, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(db, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Trace_of_an_unknown_task_says_there_is_no_such_task()
    {
        var result = await CliRunner.RunAsync("trace", "task_doesnotexist", "--db", demo.Path);

        CliAssert.FailsWithOneLine(result, "no task 'task_doesnotexist'");
        Assert.Contains(demo.Path, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_of_an_unknown_task_as_json_prints_no_json()
    {
        var result = await CliRunner.RunAsync("trace", "task_doesnotexist", "--db", demo.Path, "--json");

        CliAssert.FailsWithOneLine(result, "no task");
    }
}
