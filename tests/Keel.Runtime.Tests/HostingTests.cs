using Keel.ChatClients;
using Keel.Hosting;
using Keel.Journal;
using Keel.Resilience;
using Keel.Routing;
using Keel.Storage;
using Keel.Tasks;
using Keel.Workers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary><c>AddKeel</c>: the runtime, agents and hosted workers in a generic host.</summary>
public sealed class HostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static HostApplicationBuilder HostWithKeel(TempStore temp, Action<KeelBuilder> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IKeelStore>(temp.Store);
        builder.Services.AddKeel(keel =>
        {
            keel.Models = new ModelCatalog([new ModelRoute("m", [Sim.Deployment("a")])]);
            keel.Resilience = new ResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1) };
            configure(keel);
        });
        return builder;
    }

    [Fact]
    public async Task A_hosted_worker_runs_a_submitted_task_whose_agent_calls_a_keel_chat_client_from_the_container()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var builder = HostWithKeel(temp, keel => keel.AddAgent<GreeterAgent>().AddWorkers(new WorkerOptions { Concurrency = 2, PollInterval = TimeSpan.FromMilliseconds(20) }));
        builder.Services.AddChatClient(Sim.Client()).UseKeel(defaultModel: "m");
        using var host = builder.Build();
        var settled = new TaskCompletionSource<AgentTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<TaskWorkerPool>().TaskSettled += task => settled.TrySetResult(task);

        await host.StartAsync(ct);
        var submitted = await host.Services.GetRequiredService<AgentRuntime>().SubmitAsync("greeter", "Say hello to Ana.", acme.Id, cancellationToken: ct);
        var done = await settled.Task.WaitAsync(Patience, ct);
        await host.StopAsync(ct);

        Assert.Equal(submitted.Id, done.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.False(string.IsNullOrWhiteSpace(done.Output));
        var step = Assert.Single(await temp.Store.GetStepsAsync(done.Id, ct));
        Assert.Equal((StepKind.Model, "m"), (step.Kind, step.Name));
        Assert.Single(await temp.Store.GetUsageAsync(done.Id, ct));
    }

    [Fact]
    public async Task Stopping_the_host_hands_a_running_task_back_to_the_queue_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiter = new DelegateAgent("waiter", async (context, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        });
        using var host = HostWithKeel(temp, keel => keel.AddAgent(waiter).AddWorkers(new WorkerOptions { PollInterval = TimeSpan.FromMilliseconds(20) })).Build();

        await host.StartAsync(ct);
        var submitted = await host.Services.GetRequiredService<AgentRuntime>().SubmitAsync("waiter", "wait", acme.Id, cancellationToken: ct);
        await started.Task.WaitAsync(Patience, ct);
        await host.StopAsync(ct).WaitAsync(Patience, ct);

        var task = await temp.Store.FindTaskAsync(submitted.Id, ct);
        Assert.Equal(AgentTaskStatus.Running, task!.Status); // not failed: another worker carries on with it
        Assert.Null(task.LeaseOwner);
        Assert.True(task.LeaseExpiresAt <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Add_keel_builds_the_runtime_from_the_builder_and_the_container()
    {
        await using var temp = await TempStore.CreateAsync();
        using var host = HostWithKeel(temp, keel =>
        {
            keel.Lease = TimeSpan.FromSeconds(7);
            keel.AddAgent(new DelegateAgent("a1", (_, _) => Task.FromResult("")));
            keel.AddAgent(new DelegateAgent("a2", (_, _) => Task.FromResult("")));
            keel.UseBudgets();
        }).Build();

        var runtime = host.Services.GetRequiredService<AgentRuntime>();

        Assert.Same(temp.Store, runtime.Store);
        Assert.Equal(TimeSpan.FromSeconds(7), runtime.Lease);
        Assert.NotNull(runtime.Budgets);
        Assert.Equal(TimeSpan.FromMilliseconds(1), runtime.Models.Options.BaseDelay);
        Assert.Equal(["a1", "a2"], host.Services.GetRequiredService<AgentRegistry>().Names.Order(StringComparer.Ordinal));
        Assert.Null(host.Services.GetService<TaskWorkerPool>()); // no workers unless asked for
    }

    [Fact]
    public void Without_a_store_the_runtime_cannot_be_built_and_says_what_to_register()
    {
        using var services = new ServiceCollection()
            .AddKeel(keel => keel.Models = new ModelCatalog([new ModelRoute("m", [Sim.Deployment("a")])]))
            .BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(services.GetRequiredService<AgentRuntime>);

        Assert.Contains("IKeelStore", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An agent built by the container, written against plain IChatClient.</summary>
    private sealed class GreeterAgent(IChatClient chat) : IAgent
    {
        public string Name => "greeter";

        public async Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken) =>
            (await chat.GetResponseAsync(input, cancellationToken: cancellationToken)).Text;
    }
}
