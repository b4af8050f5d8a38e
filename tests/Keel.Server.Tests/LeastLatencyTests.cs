using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Least-latency routing learns from calls; it runs alone so other tests' load does not skew the timings.</summary>
[Collection(SerialCollection.Name)]
public sealed class LeastLatencyTests
{
    [Fact]
    public async Task After_warm_up_the_faster_deployment_takes_the_traffic()
    {
        const string Slow = "latency=30";
        const string Fast = "latency=0";
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("slow", Slow).OpenAi("fast", Fast).Routed("chat", "least_latency", "slow", "fast"));

        // Unmeasured deployments count as fastest, so each is tried once before the averages decide.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(200, (await gateway.CompleteAsync(ChatBody.Of())).Status);
        }

        var slowAfterWarmUp = gateway.Mock.CountFor(Slow);
        var served = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            served.Add((await gateway.CompleteAsync(ChatBody.Of())).Header("x-keel-deployment"));
        }

        Assert.Equal(1, slowAfterWarmUp);
        Assert.All(served, d => Assert.Equal("fast", d));
        Assert.Equal(slowAfterWarmUp, gateway.Mock.CountFor(Slow));
        Assert.Equal(13, gateway.Mock.CountFor(Fast));
    }
}
