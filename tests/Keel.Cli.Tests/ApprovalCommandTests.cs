using Keel.Approvals;
using Keel.Journal;
using Keel.Oversight;
using Keel.Tasks;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel demo --human-approvals`, `keel approvals`, `keel approve|reject`, `keel resume`: durable approvals from the command line.</summary>
public sealed class ApprovalCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Large_refunds_wait_for_a_person_and_resume_with_the_decision()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        var demo = await CliRunner.RunAsync("demo", "--tasks", "12", "--human-approvals", "--json", "--db", db);
        Assert.True(demo.ExitCode == 0, demo.ToString());
        var waitingBefore = Json.ParseSingle(demo.Stdout).Int("waiting");
        Assert.True(waitingBefore >= 2, $"the seed should park at least two refunds, parked {waitingBefore}");
        var pending = await SeededDatabase.WithStoreAsync(db, s => s.ListApprovalsAsync(ApprovalStatus.Pending, cancellationToken: Ct).AsTask());
        Assert.Equal(waitingBefore, pending.Count);
        var listed = await CliRunner.RunAsync("approvals", "--db", db);
        Assert.All(pending, a => Assert.Contains(a.TaskId, listed.Stdout, StringComparison.Ordinal));

        var (approvedTask, rejectedTask) = (pending[0].TaskId, pending[1].TaskId);
        var approve = await CliRunner.RunAsync("approve", approvedTask[..^3], "--by", "ann", "--minutes", "4", "--db", db);
        var reject = await CliRunner.RunAsync("reject", rejectedTask, "--by", "bob", "--note", "needs a photo of the damage", "--db", db);
        var again = await CliRunner.RunAsync("reject", rejectedTask, "--db", db);
        Assert.True(approve.ExitCode == 0, approve.ToString());
        Assert.True(reject.ExitCode == 0, reject.ToString());
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("has no approval waiting for a decision", again.Stderr, StringComparison.Ordinal);

        var resume = await CliRunner.RunAsync("resume", "--json", "--db", db);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Equal(waitingBefore - 2, Json.ParseSingle(resume.Stdout).Int("waiting"));

        var approved = await TaskAsync(db, approvedTask);
        Assert.Equal((AgentTaskStatus.Succeeded, TaskOutcome.Success), (approved.Status, approved.Outcome));
        var intervention = Assert.Single(await SeededDatabase.WithStoreAsync(db, s => s.GetInterventionsAsync(approvedTask, Ct).AsTask()));
        Assert.Equal(("ann", "approved", 240.0), (intervention.Actor, intervention.Decision, intervention.Seconds));
        var approvalStep = Assert.Single(await StepsAsync(db, approvedTask), s => s.Kind == StepKind.Approval);
        Assert.Equal("refund approval", approvalStep.Name);
        Assert.True(approvalStep.CostUsd > 0, "the reviewer's time is priced into the step");

        var rejected = await TaskAsync(db, rejectedTask);
        Assert.Equal(TaskOutcome.Failure, rejected.Outcome);
        Assert.DoesNotContain(await StepsAsync(db, rejectedTask), s => s.Kind == StepKind.Tool && s.Name == "draft_refund");
        var modelSaw = (await StepsAsync(db, rejectedTask)).Last(s => s.Kind == StepKind.Model);
        Assert.Contains("needs a photo", await LastContextAsync(db, rejectedTask), StringComparison.Ordinal);
        Assert.Equal(StepStatus.Succeeded, modelSaw.Status);
    }

    [Fact]
    public async Task Approving_an_unknown_task_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        await SeededDatabase.TaskAsync(db);

        var result = await CliRunner.RunAsync("approve", "task_nope", "--db", db);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no task 'task_nope'", result.Stderr, StringComparison.Ordinal);
    }

    private static Task<AgentTask> TaskAsync(string db, string id) =>
        SeededDatabase.WithStoreAsync(db, async s => (await s.FindTaskAsync(id, Ct))!);

    private static Task<IReadOnlyList<StepRecord>> StepsAsync(string db, string id) =>
        SeededDatabase.WithStoreAsync(db, s => s.GetStepsAsync(id, Ct).AsTask());

    /// <summary>The messages the task's last model call was sent, joined.</summary>
    private static Task<string> LastContextAsync(string db, string id) =>
        SeededDatabase.WithStoreAsync(db, async s =>
        {
            var span = (await s.GetSpansAsync(id, Ct)).Last(span => span.SnapshotId is not null);
            return string.Join("\n", (await s.GetSnapshotAsync(span.SnapshotId!, Ct))!);
        });
}
