using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>
/// "Why did step 6 of 6 fail?" answered in the browser: the demo's refund that the payment provider declined
/// (PP-4012) shows its failing step highlighted, the error, and the path of earlier steps that fed it.
/// </summary>
public sealed class FailedTaskTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task A_failed_tasks_page_shows_the_failing_step_its_error_and_its_path()
    {
        var failure = await DeclinedRefundAsync();

        await using var page = await dashboard.OpenAsync($"/#/tasks/{failure.TaskId}");
        await Expect(page.ById("task-status")).ToHaveAttributeAsync("data-status", "failed");

        // The answer at the top: which step failed, with what, and a way in.
        var callout = page.ById("task-failure");
        await Expect(callout).ToContainTextAsync($"Step {failure.Seq} of {failure.Steps} failed");
        await Expect(page.ById("task-failure-error")).ToContainTextAsync("PP-4012");

        // The time line: the failing step in red, the steps on its path marked, no other step marked.
        var failedRow = StepRow(page, failure.Seq);
        await Expect(failedRow).ToHaveAttributeAsync("data-status", "failed");
        await Expect(failedRow).ToHaveClassAsync(new Regex(@"\bwf-failed\b"));
        await Expect(page.Page.Locator("[data-testid=step-row].wf-failed")).ToHaveCountAsync(1);
        foreach (var seq in failure.ErrorPath)
        {
            await Expect(StepRow(page, seq)).ToHaveAttributeAsync("data-on-error-path", "true");
        }

        await Expect(page.Page.Locator("[data-testid=step-row][data-on-error-path=true]")).ToHaveCountAsync(failure.ErrorPath.Count);
        await page.ScreenshotAsync("task-failed");

        // Into the failing step: its error in full and its path, in order, each step a link.
        await page.ById("failed-step-link").ClickAsync();
        await Expect(page.Page).ToHaveURLAsync(new Regex($@"#/tasks/{failure.TaskId}/steps/{failure.Seq}$"));
        await Expect(page.ById("step-status")).ToHaveAttributeAsync("data-status", "failed");
        await Expect(page.ById("step-error-message")).ToContainTextAsync(failure.Error);
        var items = page.ById("error-path-item");
        await Expect(items).ToHaveCountAsync(failure.ErrorPath.Count);
        for (var i = 0; i < failure.ErrorPath.Count; i++)
        {
            await Expect(items.Nth(i)).ToHaveAttributeAsync("data-seq", failure.ErrorPath[i].ToString(CultureInfo.InvariantCulture));
        }

        await Expect(page.ById("tool-arguments")).ToContainTextAsync(failure.OrderId);
        await page.ScreenshotAsync("step-failed");

        // A step on the path is one click away.
        await items.First.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.Page).ToHaveURLAsync(new Regex($@"#/tasks/{failure.TaskId}/steps/{failure.ErrorPath[0]}$"));
        await Expect(page.ById("step-status")).ToHaveAttributeAsync("data-status", "succeeded");
    }

    private static ILocator StepRow(DashboardPage page, int seq) =>
        page.Page.Locator($"[data-testid=step-row][data-seq=\"{seq}\"]");

    /// <summary>The failed task and its failing step as `keel trace` (reading the database, not the dashboard) tells them.</summary>
    private async Task<Failure> DeclinedRefundAsync()
    {
        var failed = await dashboard.TasksAsync("--status", "failed");
        var task = failed.FirstOrDefault(t => t.Text("error").Contains("PP-4012", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"keel demo left no task failed on the PP-4012 payment decline: {new JsonArray([.. failed.Select(t => t.DeepClone())])}");
        var id = task.Text("id");
        var trace = await dashboard.TraceAsync(id);
        var steps = trace["steps"]!.AsArray();
        var failing = steps.Last(s => s!.Text("status") == "failed")!;
        var seq = (int)failing.Count("seq");
        var step = await dashboard.TraceAsync(id, "--step", seq.ToString(CultureInfo.InvariantCulture));
        var path = step["error_path"]!.AsArray().Select(s => s!.GetValue<int>()).ToList();
        Assert.True(path.Count > 0 && path.All(s => s < seq), $"keel trace gives step {seq} of {id} no error path of earlier steps: {step}");
        var orderId = Regex.Match(task.Text("error"), @"ORD-\d+").Value;
        return new Failure(id, seq, steps.Count, step.Text("error"), path, orderId);
    }

    private sealed record Failure(string TaskId, int Seq, int Steps, string Error, List<int> ErrorPath, string OrderId);
}
