using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Keel.Storage;

namespace Keel.Budgets;

/// <summary>
/// Delivers threshold events: stored once per budget, threshold and period (the store refuses repeats, also
/// across restarts), then POSTed to the budget's webhook when it has one. Delivery runs off the call's path.
/// </summary>
public sealed class BudgetAlerts(IKeelStore store, HttpClient? http = null)
{
    private readonly Lock _gate = new();
    private Task _pending = Task.CompletedTask;

    /// <summary>Webhook failures, kept for the operator (no logging dependency in the runtime).</summary>
    public event Action<BudgetEvent, Exception>? DeliveryFailed;

    public void Publish(BudgetEvent budgetEvent, Budget budget)
    {
        lock (_gate)
        {
            _pending = _pending.ContinueWith(_ => DeliverAsync(budgetEvent, budget), TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Completes when every event published so far has been delivered (or has failed to be).</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            return _pending;
        }
    }

    private async Task DeliverAsync(BudgetEvent budgetEvent, Budget budget)
    {
        try
        {
            if (!await store.AddBudgetEventAsync(budgetEvent).ConfigureAwait(false) || budget.WebhookUrl is null || http is null)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var payload = new BudgetAlertPayload("budget.threshold_crossed", budget.Id, budget.Scope.ToString().ToLowerInvariant(), budget.ScopeId,
                budgetEvent.Threshold, budgetEvent.SpentUsd, budgetEvent.LimitUsd, budgetEvent.PeriodStart == DateTimeOffset.MinValue ? null : budgetEvent.PeriodStart, budgetEvent.At);
            using var response = await http.PostAsJsonAsync(budget.WebhookUrl, payload, BudgetAlertJson.Default.BudgetAlertPayload, timeout.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or StoreException)
        {
            DeliveryFailed?.Invoke(budgetEvent, ex);
        }
    }
}

/// <summary>The JSON body a budget webhook receives.</summary>
public sealed record BudgetAlertPayload(
    string Type,
    string BudgetId,
    string Scope,
    string ScopeId,
    decimal Threshold,
    decimal SpentUsd,
    decimal LimitUsd,
    DateTimeOffset? PeriodStart,
    DateTimeOffset At);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BudgetAlertPayload))]
internal sealed partial class BudgetAlertJson : JsonSerializerContext;
