using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>
/// A person approves a refund from the approvals page, and the task that waited durably for the decision resumes:
/// `keel serve`'s own worker pool runs it on to its end.
/// </summary>
public sealed class ApprovalTests(DashboardFixture dashboard)
{
    private const string Reviewer = "browser-test";
    private const string Note = "checked the order by hand";

    [Fact]
    public async Task An_approval_approved_from_the_page_resumes_its_task()
    {
        var waiting = await dashboard.TasksAsync("--status", "waiting");
        Assert.NotEmpty(waiting);
        var task = waiting[^1];
        var taskId = task.Text("id");
        var stepsBefore = task.Count("steps");

        await using var page = await dashboard.OpenAsync("/#/approvals");
        var row = page.Page.Locator($"[data-testid=approval-row][data-task-id=\"{taskId}\"]");
        await Expect(row).ToHaveAttributeAsync("data-status", "pending");
        await Expect(page.ById("approval-row")).ToHaveCountAsync(waiting.Count);
        await Expect(row.GetByTestId("approval-request")).Not.ToBeEmptyAsync();
        await page.ScreenshotAsync("approvals");

        await page.ById("reviewer").FillAsync(Reviewer);
        await page.ById("reviewer").DispatchEventAsync("change");
        await row.GetByTestId("approval-note").FillAsync(Note);
        await row.GetByTestId("approve-button").ClickAsync();

        // The decision is taken, the row leaves the waiting list, and the page follows the task as it runs on.
        var decided = page.Page.Locator($"[data-testid=decided-row][data-task-id=\"{taskId}\"]");
        await Expect(decided).ToBeVisibleAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(decided).ToHaveAttributeAsync("data-task-status", new Regex("^(succeeded|failed)$"));
        await page.ScreenshotAsync("approvals-decided");

        // The task's own page: finished, with the decision, who took it and why.
        await page.Page.GotoAsync($"/#/tasks/{taskId}");
        await Expect(page.ById("task-status")).ToHaveAttributeAsync("data-status", new Regex("^(succeeded|failed)$"));
        var approval = page.ById("task-approval");
        await Expect(approval).ToHaveAttributeAsync("data-status", "approved");
        await Expect(approval).ToContainTextAsync(Reviewer);
        await Expect(approval).ToContainTextAsync(Note);
        await page.ScreenshotAsync("task-approved");

        // The database agrees: the task is no longer waiting and journaled steps after the decision.
        var after = await dashboard.TraceAsync(taskId);
        Assert.Matches("^(succeeded|failed)$", after["task"]!.Text("status"));
        Assert.True(after["task"]!.Count("steps") > stepsBefore, $"task {taskId} journaled no step after the approval: {after}");
        var others = await dashboard.TasksAsync("--status", "waiting");
        Assert.Equal(waiting.Count - 1, others.Count);
    }
}
