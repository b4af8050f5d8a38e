using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>How an alias picks among healthy deployments: weights, price, and what a request needs.</summary>
public sealed class RoutingPolicyTests
{
    [Fact]
    public async Task Weighted_routing_splits_traffic_by_weight()
    {
        const string Heavy = "latency=0";
        const string Light = "latency=1";
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("heavy", Heavy, weight: 3).OpenAi("light", Light, weight: 1).Routed("chat", "weighted", "heavy", "light"));

        for (var batch = 0; batch < 10; batch++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => gateway.CompleteAsync(ChatBody.Of())));
            Assert.All(answers, a => Assert.Equal(200, a.Status));
        }

        // 200 draws at p = 0.75: mean 150, standard deviation about 6; 25 is four of them.
        var heavy = gateway.Mock.CountFor(Heavy);
        Assert.Equal(200, heavy + gateway.Mock.CountFor(Light));
        Assert.InRange(heavy, 125, 175);
    }

    [Fact]
    public async Task Cheapest_routing_tries_the_cheaper_model_first_and_keeps_the_other_as_fallback()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("premium", model: "gpt-4o").OpenAi("budget", "latency=0", model: "gpt-4o-mini").Routed("chat", "cheapest", "premium", "budget"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal("budget", answer.Header("x-keel-deployment"));
        Assert.Equal("gpt-4o-mini", Assert.Single(gateway.UpstreamBodies("latency=0"))["model"]!.GetValue<string>());
        Assert.Equal(0, gateway.Mock.CountFor(""));
    }

    [Fact]
    public async Task Cheapest_routing_falls_back_to_the_dearer_model_when_the_cheap_one_fails()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("premium", model: "gpt-4o").OpenAi("budget", "status=503", model: "gpt-4o-mini").Routed("chat", "cheapest", "premium", "budget"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(200, answer.Status);
        Assert.Equal("premium", answer.Header("x-keel-deployment"));
        Assert.Equal(3, gateway.Mock.CountFor("status=503"));
    }

    [Fact]
    public async Task A_request_with_tools_skips_a_deployment_that_cannot_call_them()
    {
        const string NoTools = "latency=0";
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("plain", NoTools, supportsTools: false).OpenAi("tooled").Alias("chat", "plain", "tooled"));
        var withTools = ChatBody.Of("Weather in Oslo?");
        withTools["tools"] = new JsonArray(ChatBody.Tool("get_weather", "city"));

        var toolAnswer = await gateway.CompleteAsync(withTools);
        var plainAnswer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal("tooled", toolAnswer.Header("x-keel-deployment"));
        Assert.Equal("0", toolAnswer.Header("x-keel-fallbacks")); // filtered out before the call, not fallen back from
        Assert.Equal("plain", plainAnswer.Header("x-keel-deployment"));
        Assert.Equal(1, gateway.Mock.CountFor(NoTools));
        Assert.False(Assert.Single(gateway.UpstreamBodies(NoTools)).ContainsKey("tools"));
    }

    [Fact]
    public async Task A_prompt_too_large_on_paper_skips_a_small_window_without_calling_it()
    {
        const string Small = "latency=0";
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("small", Small, contextWindow: 100).OpenAi("large", model: "gpt-4.1", contextWindow: 1_000_000).Alias("chat", "small", "large"));

        var big = await gateway.CompleteAsync(ChatBody.Of(new string('a', 2_000)));
        var short_ = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal("large", big.Header("x-keel-deployment"));
        Assert.Equal("small", short_.Header("x-keel-deployment"));
        Assert.Equal(1, gateway.Mock.CountFor(Small));
    }
}
