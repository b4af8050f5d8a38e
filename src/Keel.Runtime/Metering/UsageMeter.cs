using Keel.Pricing;
using Keel.Routing;
using Keel.Tasks;
using Keel.Usage;
using Microsoft.Extensions.AI;

namespace Keel.Metering;

/// <summary>Turns what a provider reported into priced usage events. A model without a price is refused, never free.</summary>
public sealed class UsageMeter(PriceTable prices)
{
    public PriceTable Prices { get; } = prices;

    /// <exception cref="UnknownPriceException">A deployment's model has no price.</exception>
    public void EnsurePriced(ModelCatalog catalog)
    {
        foreach (var deployment in catalog.Routes.SelectMany(r => r.Deployments))
        {
            Prices.Get(deployment.Model);
        }
    }

    public UsageEvent ForModelCall(AgentTask task, int seq, int attempt, Deployment deployment, UsageDetails? usage, DateTimeOffset now, string? apiKeyId = null)
    {
        var input = usage?.InputTokenCount ?? 0;
        var cached = usage?.CachedInputTokenCount ?? 0;
        var output = usage?.OutputTokenCount ?? 0;
        return new UsageEvent
        {
            IdempotencyKey = $"{task.Id}/{seq}/{attempt}",
            CustomerId = task.CustomerId,
            TaskId = task.Id,
            StepSeq = seq,
            Kind = UsageKind.Model,
            Resource = deployment.Model,
            Deployment = deployment.Name,
            InputTokens = input,
            CachedInputTokens = cached,
            OutputTokens = output,
            CostUsd = Prices.Cost(deployment.Model, input, cached, output),
            CreatedAt = now,
            ApiKeyId = apiKeyId,
            SessionId = task.SessionId,
            Agent = task.Agent,
        };
    }
}
