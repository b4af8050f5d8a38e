using System.Text.Json;
using Keel.Approvals;
using Keel.Journal;
using Keel.Oversight;
using Keel.Tasks;
using Keel.Usage;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>A task waits for a person's decision without holding a worker, and resumes with it (or with its timeout policy).</summary>
public sealed class ApprovalTests
{
    private const string Request = "Refund $40 to order 42?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DelegateAgent Refunder(ExecutionCounter runs, ApprovalOptions? options = null) => new("refunder", async (context, token) =>
    {
        await context.StepAsync("look_up_order", _ => { runs.Add("look_up"); return Task.FromResult(42); }, token);
        var decision = await context.WaitForApprovalAsync(Request, options, token);
        runs.Add("after");
        return decision.Approved
            ? $"refunded ({decision.DecidedBy}: {decision.Note}, timed out: {decision.TimedOut})"
            : $"declined ({decision.DecidedBy}: {decision.Note}, timed out: {decision.TimedOut})";
    });

    [Fact]
    public async Task An_approved_request_resumes_the_task_and_the_reviewers_time_is_priced_into_it()
    {
        await using var host = await DurableHost.StartAsync();
        await host.Store.SetHumanRateAsync(host.CustomerId, 90m, Ct);
        var runs = new ExecutionCounter();
        var agent = Refunder(runs);

        var parked = await host.Runtime.RunAsync(agent, "refund", host.CustomerId, cancellationToken: Ct);

        Assert.Equal(AgentTaskStatus.Waiting, parked.Status);
        Assert.Null(parked.WakeAt);
        var pending = Assert.Single(await host.Store.ListApprovalsAsync(ApprovalStatus.Pending, cancellationToken: Ct));
        Assert.Equal((parked.Id, 2, Request), (pending.TaskId, pending.Seq, pending.Request));
        Assert.Equal(0, await host.DrainAsync(agent)); // nobody decided: nothing to run, and the drain does not wait

        host.Time.Advance(TimeSpan.FromMinutes(4));
        await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(true, "ann", "within policy", ReviewSeconds: 120), host.Time.GetUtcNow(), Ct);
        await host.DrainAsync(agent);

        var done = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal("refunded (ann: within policy, timed out: False)", done.Output);
        Assert.Equal((1, 1), (runs["look_up"], runs["after"]));
        var step = (await host.Store.GetStepsAsync(parked.Id, Ct))[1];
        Assert.Equal((StepKind.Approval, "approval", StepStatus.Succeeded), (step.Kind, step.Name, step.Status));
        Assert.Equal(new ApprovalResult(true, "ann", "within policy", false), JsonSerializer.Deserialize<ApprovalResult>(step.Result!, JsonSerializerOptions.Web));
        var intervention = Assert.Single(await host.Store.GetInterventionsAsync(parked.Id, Ct));
        Assert.Equal(("ann", InterventionKind.Approval, "approved", 120d, 2), (intervention.Actor, intervention.Kind, intervention.Decision, intervention.Seconds, intervention.StepSeq));
        var usage = Assert.Single(await host.Store.GetUsageAsync(parked.Id, Ct));
        Assert.Equal((UsageKind.Human, 120m, 3m), (usage.Kind, usage.Quantity, usage.CostUsd));
        Assert.Equal(3m, (await host.Store.GetTaskSummaryAsync(parked.Id, Ct))!.CostUsd);
        Assert.Equal(ApprovalStatus.Approved, (await host.Store.GetApprovalAsync(parked.Id, 2, Ct))!.Status);
    }

    [Fact]
    public async Task A_rejected_request_resumes_the_task_with_approved_false_and_the_wait_priced_up_to_the_cap()
    {
        await using var host = await DurableHost.StartAsync();
        await host.Store.SetHumanRateAsync(host.CustomerId, 60m, Ct);
        var runs = new ExecutionCounter();
        var agent = Refunder(runs);
        var parked = await host.Runtime.RunAsync(agent, "refund", host.CustomerId, cancellationToken: Ct);

        host.Time.Advance(TimeSpan.FromMinutes(25)); // the request sat for 25 minutes; the review is counted as at most 10
        var decided = await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(false, "bob", "too much"), host.Time.GetUtcNow(), Ct);
        await host.DrainAsync(agent);

        Assert.Equal(ApprovalStatus.Rejected, decided!.Status);
        var done = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal("declined (bob: too much, timed out: False)", done.Output);
        var intervention = Assert.Single(await host.Store.GetInterventionsAsync(parked.Id, Ct));
        Assert.Equal(("rejected", 600d), (intervention.Decision, intervention.Seconds));
        Assert.Equal(10m, Assert.Single(await host.Store.GetUsageAsync(parked.Id, Ct)).CostUsd);
    }

    [Theory]
    [InlineData(ApprovalTimeoutPolicy.Reject, "declined (timeout: No decision before the timeout., timed out: True)")]
    [InlineData(ApprovalTimeoutPolicy.Approve, "refunded (timeout: No decision before the timeout., timed out: True)")]
    public async Task Without_a_decision_by_the_timeout_the_policy_decides(ApprovalTimeoutPolicy policy, string output)
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = Refunder(runs, new ApprovalOptions { Timeout = TimeSpan.FromHours(4), OnTimeout = policy });
        var parked = await host.Runtime.RunAsync(agent, "refund", host.CustomerId, cancellationToken: Ct);
        Assert.Equal(host.Time.GetUtcNow().AddHours(4), parked.WakeAt);
        Assert.Null(await host.Store.NextDueAsync(["refunder"], Ct));
        Assert.Equal(0, await host.DrainAsync(agent)); // a drain leaves a task waiting for a person, timeout or not

        host.Time.Advance(TimeSpan.FromHours(4));
        await host.DrainAsync(agent);

        var done = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal(output, done.Output);
        Assert.Equal(1, runs["after"]);
        Assert.Empty(await host.Store.GetInterventionsAsync(parked.Id, Ct)); // nobody spent time on it
        Assert.Empty(await host.Store.GetUsageAsync(parked.Id, Ct));
        Assert.Equal(ApprovalStatus.TimedOut, (await host.Store.GetApprovalAsync(parked.Id, 2, Ct))!.Status);
        Assert.Null(await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(true, "late"), host.Time.GetUtcNow(), Ct));
    }

    [Fact]
    public async Task Without_a_decision_by_the_timeout_the_fail_policy_fails_the_task()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = Refunder(runs, new ApprovalOptions { Timeout = TimeSpan.FromMinutes(30), OnTimeout = ApprovalTimeoutPolicy.Fail });
        var parked = await host.Runtime.RunAsync(agent, "refund", host.CustomerId, cancellationToken: Ct);

        host.Time.Advance(TimeSpan.FromMinutes(31));
        await host.DrainAsync(agent);

        var failed = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Failed, failed.Status);
        Assert.Contains("nobody decided", failed.Error, StringComparison.Ordinal);
        Assert.Contains(Request, failed.Error, StringComparison.Ordinal);
        Assert.Equal(0, runs["after"]);
        var step = (await host.Store.GetStepsAsync(parked.Id, Ct))[1];
        Assert.Equal((StepKind.Approval, StepStatus.Failed), (step.Kind, step.Status));
        Assert.Equal(ApprovalStatus.TimedOut, (await host.Store.GetApprovalAsync(parked.Id, 2, Ct))!.Status);
    }

    [Fact]
    public async Task A_decision_before_the_timeout_wins_over_the_policy()
    {
        await using var host = await DurableHost.StartAsync();
        var agent = Refunder(new ExecutionCounter(), new ApprovalOptions { Timeout = TimeSpan.FromHours(1), OnTimeout = ApprovalTimeoutPolicy.Fail });
        var parked = await host.Runtime.RunAsync(agent, "refund", host.CustomerId, cancellationToken: Ct);

        host.Time.Advance(TimeSpan.FromMinutes(59));
        await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(true, "ann"), host.Time.GetUtcNow(), Ct);
        host.Time.Advance(TimeSpan.FromHours(2)); // the workers only get to it after the timeout
        await host.DrainAsync(agent);

        Assert.Equal("refunded (ann: , timed out: False)", (await host.TaskAsync(parked.Id)).Output);
    }

    [Fact]
    public async Task A_decided_approval_is_replayed_from_the_journal_on_later_resumes_and_priced_once()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = new DelegateAgent("refunder", async (context, token) =>
        {
            var first = await context.WaitForApprovalAsync("Draft the refund?", new ApprovalOptions { StepName = "draft" }, token);
            await context.StepAsync("draft_it", _ => { runs.Add("draft"); return Task.FromResult(0); }, token);
            var second = await context.WaitForApprovalAsync("Send it?", new ApprovalOptions { StepName = "send" }, token);
            return $"{first.DecidedBy}:{first.Approved} {second.DecidedBy}:{second.Approved}";
        });
        var parked = await host.Runtime.RunAsync(agent, "refund", host.CustomerId, cancellationToken: Ct);

        await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(true, "ann", ReviewSeconds: 60), host.Time.GetUtcNow(), Ct);
        await host.DrainAsync(agent);
        var second = Assert.Single(await host.Store.ListApprovalsAsync(ApprovalStatus.Pending, cancellationToken: Ct));
        await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(false, "bob", ReviewSeconds: 60), host.Time.GetUtcNow(), Ct);
        await host.DrainAsync(agent);

        Assert.Equal(("Send it?", 3), (second.Request, second.Seq));
        Assert.Equal("ann:True bob:False", (await host.TaskAsync(parked.Id)).Output);
        Assert.Equal(["ann", "bob"], (await host.Store.GetInterventionsAsync(parked.Id, Ct)).Select(i => i.Actor).Order());
        Assert.Equal(2, (await host.Store.GetUsageAsync(parked.Id, Ct)).Count);
        Assert.Equal(["draft", "draft_it", "send"], (await host.Store.GetStepsAsync(parked.Id, Ct)).Select(s => s.Name));
        Assert.Equal(1, runs["draft"]);
    }
}
