using System.Globalization;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>The recording writer runs on a thread of its own at nice 10, so request threads preempt it on a busy machine.</summary>
public sealed class StepWriterPriorityTests
{
    [Fact]
    public async Task The_step_writer_thread_runs_at_a_lower_os_priority_and_still_records()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "nice values are Linux's");
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());
        await gateway.FlushAsync();

        Assert.NotNull(await gateway.Store.GetTaskSummaryAsync(answer.Header("x-keel-task-id"), TestContext.Current.CancellationToken));
        // Linux keeps the first 15 bytes of a thread's name.
        // Other tests' threads come and go meanwhile (a store's checkpoint thread ends with its store): a thread listed
        // but gone by the time it is read is skipped.
        var writers = Directory.GetDirectories("/proc/self/task")
            .Select(task => (Comm: ReadOrNull(Path.Combine(task, "comm")), Stat: ReadOrNull(Path.Combine(task, "stat"))))
            .Where(thread => thread.Comm?.Trim() == "keel-step-write" && thread.Stat is not null)
            .Select(thread => Nice(thread.Stat!))
            .ToList();
        Assert.NotEmpty(writers);
        Assert.All(writers, nice => Assert.Equal(10, nice));
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null; // DirectoryNotFoundException and FileNotFoundException both: the thread has exited
        }
    }

    /// <summary>Field 19 of /proc/PID/task/TID/stat, counted after the command name (which may hold spaces) closes.</summary>
    private static int Nice(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);
}
