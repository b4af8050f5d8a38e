using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>The task list: every task of the demo, newest first, and the filters narrowing it.</summary>
public sealed class TaskListTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task The_list_shows_every_demo_task_and_the_status_filter_leaves_only_failed_ones()
    {
        // The oracle is the CLI reading the same database, not the dashboard's own API.
        var all = await TasksAsync();
        var failed = await TasksAsync("--status", "failed");
        Assert.Equal(DashboardFixture.DemoTasks, all.Count);
        Assert.NotEmpty(failed);

        await using var page = await dashboard.OpenAsync("/#/tasks");
        var rows = page.ById("task-row");
        await Expect(rows).ToHaveCountAsync(all.Count);
        foreach (var task in all.Take(5))
        {
            await Expect(Row(page, task.Text("id"))).ToHaveAttributeAsync("data-status", task.Text("status"));
        }

        await page.ScreenshotAsync("tasks");

        await page.ById("filter-status").SelectOptionAsync("failed");
        await Expect(page.Page).ToHaveURLAsync(new Regex(@"#/tasks\?(.*&)?status=failed"));
        await Expect(rows).ToHaveCountAsync(failed.Count);
        await Expect(page.Page.Locator("[data-testid=task-row][data-status=failed]")).ToHaveCountAsync(failed.Count);
        foreach (var task in failed)
        {
            var row = Row(page, task.Text("id"));
            await Expect(row).ToBeVisibleAsync();
            await Expect(row).ToContainTextAsync(task.Text("error").Split('\n')[0]);
        }

        await page.ScreenshotAsync("tasks-failed");
    }

    [Fact]
    public async Task The_agent_filter_leaves_only_that_agents_tasks()
    {
        var research = await TasksAsync("--agent", "research");
        Assert.NotEmpty(research);

        await using var page = await dashboard.OpenAsync("/#/tasks?agent=research");
        await Expect(page.ById("filter-agent")).ToHaveValueAsync("research");
        await Expect(page.ById("task-row")).ToHaveCountAsync(research.Count);
        await Expect(page.Page.Locator("[data-testid=task-row] [data-col=agent]")).ToHaveTextAsync([.. Enumerable.Repeat("research", research.Count)]);
        foreach (var task in research)
        {
            await Expect(Row(page, task.Text("id"))).ToBeVisibleAsync();
        }

        await page.ScreenshotAsync("tasks-agent-research");
    }

    private static ILocator Row(DashboardPage page, string taskId) =>
        page.Page.Locator($"[data-testid=task-row][data-task-id=\"{taskId}\"]");

    private Task<List<JsonNode>> TasksAsync(params string[] filter) => dashboard.TasksAsync(filter);
}
