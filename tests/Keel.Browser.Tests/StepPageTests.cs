using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>
/// A model call's page: the exact context window it was sent (system prompt, the user's request, earlier tool calls
/// and results, the tool definitions) and what changed since the previous model call of the same task.
/// </summary>
public sealed class StepPageTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task A_model_steps_page_shows_its_context_window_and_the_diff_against_the_previous_model_call()
    {
        var (taskId, seq, input) = await ThirdModelCallOfASupportTaskAsync();
        // The oracle: `keel trace --step N --context` reads the same step from the database through the CLI.
        var expected = await dashboard.TraceAsync(taskId, "--step", seq.ToString(CultureInfo.InvariantCulture), "--context");
        var messages = expected["context"]!["messages"]!.AsArray();
        var tools = expected["context"]!["request"]!["tools"]!.AsArray();
        var diff = expected["diff"]!;
        var lines = diff["lines"]!.AsArray();
        var added = lines.Where(l => l!.Text("op") == "added").ToList();
        Assert.True(messages.Count >= 4 && added.Count > 0, $"step {seq} of {taskId} has no context to compare with the previous call: {expected}");

        await using var page = await dashboard.OpenAsync($"/#/tasks/{taskId}/steps/{seq}");
        await Expect(page.ById("step-status")).ToHaveAttributeAsync("data-status", "succeeded");

        // The context window, message by message, in order, with the request's tools.
        var shown = page.ById("context-messages").GetByTestId("context-message");
        await Expect(shown).ToHaveCountAsync(messages.Count);
        await Expect(shown.Nth(0)).ToHaveAttributeAsync("data-role", "system");
        await Expect(shown.Nth(0)).ToContainTextAsync("You are the support agent");
        await Expect(shown.Nth(1)).ToHaveAttributeAsync("data-role", "user");
        await Expect(shown.Nth(1)).ToContainTextAsync(input);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i]!;
            var item = shown.Nth(i);
            await Expect(item).ToHaveAttributeAsync("data-role", message.Text("role"));
            if (message.Text("text") is { Length: > 0 } text)
            {
                await Expect(item).ToContainTextAsync(FirstLine(text));
            }

            var calls = message["tool_calls"]!.AsArray();
            await Expect(item.GetByTestId("context-tool-call")).ToHaveCountAsync(calls.Count);
            for (var j = 0; j < calls.Count; j++)
            {
                await Expect(item.GetByTestId("context-tool-call").Nth(j)).ToHaveAttributeAsync("data-name", calls[j]!.Text("name"));
                await Expect(item.GetByTestId("context-tool-call").Nth(j)).ToContainTextAsync(calls[j]!.Text("id"));
            }

            var results = message["tool_results"]!.AsArray();
            await Expect(item.GetByTestId("context-tool-result")).ToHaveCountAsync(results.Count);
            for (var j = 0; j < results.Count; j++)
            {
                await Expect(item.GetByTestId("context-tool-result").Nth(j)).ToContainTextAsync(results[j]!.Text("call_id"));
            }
        }

        await Expect(page.ById("context-model")).ToHaveTextAsync(expected["context"]!["request"]!.Text("model"));
        await Expect(page.ById("context-tool")).ToHaveCountAsync(tools.Count);
        foreach (var tool in tools)
        {
            await Expect(page.Page.Locator($"[data-testid=context-tool][data-name=\"{tool!.Text("name")}\"]")).ToHaveCountAsync(1);
        }

        // The diff: against the previous model call, with what this call saw that the last one did not.
        var previous = (int)diff.Count("previous_seq");
        Assert.True(previous is > 0 && previous < seq, $"the previous model call of step {seq} is step {previous}");
        await Expect(page.ById("diff-previous")).ToHaveTextAsync($"step {previous}");
        await Expect(page.ById("diff-added-count")).ToHaveTextAsync($"+{added.Count}");
        var addedLines = page.Page.Locator("[data-testid=diff-line][data-op=added]");
        await Expect(addedLines).ToHaveCountAsync(added.Count);
        for (var i = 0; i < added.Count; i++)
        {
            await Expect(addedLines.Nth(i)).ToContainTextAsync(FirstLine(added[i]!.Text("text")));
        }

        await Expect(page.Page.Locator("[data-testid=diff-line][data-op=removed]")).ToHaveCountAsync(lines.Count(l => l!.Text("op") == "removed"));
        await page.ScreenshotAsync("step-context");

        // The previous call is one click away, and it is compared with the one before it, or with nothing.
        await page.ById("diff-previous").ClickAsync();
        await Expect(page.Page).ToHaveURLAsync(new Regex($@"#/tasks/{taskId}/steps/{previous}$"));
        await Expect(page.ById("context-messages").GetByTestId("context-message")).ToHaveCountAsync(lines.Count(l => l!.Text("op") != "added"));
    }

    /// <summary>A support task's third model call: it has seen two tool results, one of them new since the last call.</summary>
    private async Task<(string TaskId, int Seq, string Input)> ThirdModelCallOfASupportTaskAsync()
    {
        foreach (var task in await dashboard.TasksAsync("--status", "succeeded"))
        {
            if (!task.Text("agent").StartsWith("support", StringComparison.Ordinal))
            {
                continue;
            }

            var trace = await dashboard.TraceAsync(task.Text("id"));
            var models = trace["steps"]!.AsArray().Where(s => s!.Text("kind") == "model").ToList();
            if (models.Count >= 3)
            {
                return (task.Text("id"), (int)models[2]!.Count("seq"), trace.Text("input"));
            }
        }

        throw new Xunit.Sdk.XunitException("keel demo left no succeeded support task with three model calls.");
    }

    /// <summary>What a test can find in rendered text: the first line, as long text may be folded or wrapped.</summary>
    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
