using Keel.Journal;
using Keel.Tasks;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>A resumed task whose code no longer takes the steps its journal recorded fails instead of mixing the two.</summary>
public sealed class NonDeterminismTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Code_that_takes_a_different_step_on_resume_fails_the_task_naming_the_step()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var firstStep = "fetch_invoice";
        var agent = new DelegateAgent("biller", async (context, token) =>
        {
            await context.StepAsync(firstStep, _ => Task.FromResult(1), token);
            await context.SleepAsync(TimeSpan.FromHours(1), cancellationToken: token);
            await context.StepAsync("send", _ => { runs.Add("send"); return Task.FromResult(2); }, token);
            return "sent";
        });
        var parked = await host.Runtime.RunAsync(agent, "bill", host.CustomerId, cancellationToken: Ct);

        firstStep = "fetch_invoice_v2"; // a deploy renamed the step while the task slept
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.DrainAsync(agent);

        var failed = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Failed, failed.Status);
        Assert.Contains("step 1", failed.Error, StringComparison.Ordinal);
        Assert.Contains("'fetch_invoice'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("'fetch_invoice_v2'", failed.Error, StringComparison.Ordinal);
        Assert.Equal(0, runs["send"]);
        Assert.Equal(2, (await host.Store.GetStepsAsync(parked.Id, Ct)).Count);
    }

    [Fact]
    public async Task A_step_of_another_kind_under_the_same_name_is_non_determinism_too()
    {
        await using var host = await DurableHost.StartAsync();
        var asTool = false;
        var agent = new DelegateAgent("biller", async (context, token) =>
        {
            if (asTool)
            {
                await context.ToolAsync("lookup", null, (_, _) => Task.FromResult("x"), cancellationToken: token);
            }
            else
            {
                await context.StepAsync("lookup", _ => Task.FromResult("x"), token);
            }

            await context.SleepAsync(TimeSpan.FromHours(1), cancellationToken: token);
            return "done";
        });
        var parked = await host.Runtime.RunAsync(agent, "bill", host.CustomerId, cancellationToken: Ct);

        asTool = true;
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.DrainAsync(agent);

        var failed = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Failed, failed.Status);
        Assert.Contains("recorded step 'lookup'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("runs tool 'lookup'", failed.Error, StringComparison.Ordinal);
        Assert.Equal([StepKind.Step, StepKind.Timer], (await host.Store.GetStepsAsync(parked.Id, Ct)).Select(s => s.Kind));
    }

    [Fact]
    public async Task The_exception_carries_the_task_and_step()
    {
        await using var host = await DurableHost.StartAsync();
        NonDeterminismException? caught = null;
        var name = "a";
        var agent = new DelegateAgent("biller", async (context, token) =>
        {
            await context.StepAsync("first", _ => Task.FromResult(0), token);
            try
            {
                await context.StepAsync(name, _ => Task.FromResult(0), token);
            }
            catch (NonDeterminismException ex)
            {
                caught = ex;
                throw;
            }

            await context.SleepAsync(TimeSpan.FromHours(1), cancellationToken: token);
            return "done";
        });
        var parked = await host.Runtime.RunAsync(agent, "bill", host.CustomerId, cancellationToken: Ct);

        name = "b";
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.DrainAsync(agent);

        Assert.NotNull(caught);
        Assert.Equal(parked.Id, caught.TaskId);
        Assert.Equal(2, caught.Seq);
        Assert.Equal(caught.Message, (await host.TaskAsync(parked.Id)).Error);
    }
}
