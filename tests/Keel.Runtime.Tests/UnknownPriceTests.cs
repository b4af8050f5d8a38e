using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>A runtime that could call a model it cannot price refuses to start: a call is never priced at $0.</summary>
public sealed class UnknownPriceTests
{
    [Fact]
    public async Task An_unpriced_fallback_deployment_is_refused_even_when_the_primary_is_priced()
    {
        await using var temp = await TempStore.CreateAsync();
        var catalog = new ModelCatalog([new ModelRoute("m", [Sim.Deployment("a"), Sim.Deployment("b", model: "sim-unpriced-9")])]);

        var error = Assert.Throws<UnknownPriceException>(() => new AgentRuntime(temp.Store, new ResilientModelCaller(catalog), new UsageMeter(PriceTable.Default)));

        Assert.Equal("sim-unpriced-9", error.Model);
        Assert.Contains("sim-unpriced-9", error.Message, StringComparison.Ordinal);
    }
}
