using System.ComponentModel;
using Keel.Samples.Json;
using Keel.Samples.SideEffects;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Support;

/// <summary>
/// The support agent's tools: local and deterministic, shaped like a real shop's back office. Each takes the
/// call's <see cref="AIFunctionArguments"/> (bound by the factory, not shown to the model) to reach its idempotency key.
/// </summary>
public static class SupportTools
{
    public const int RefundWindowDays = 30;

    public static IReadOnlyList<AIFunction> All { get; } =
    [
        AIFunctionFactory.Create(LookupOrder, "lookup_order", serializerOptions: SamplesJson.ToolOptions),
        AIFunctionFactory.Create(CheckRefundPolicy, "check_refund_policy", serializerOptions: SamplesJson.ToolOptions),
        AIFunctionFactory.Create(DraftRefund, "draft_refund", serializerOptions: SamplesJson.ToolOptions),
    ];

    [Description("Looks up an order by its id (ORD-#####): item, amount, currency and days since delivery.")]
    public static async Task<object> LookupOrder([Description("The order id, e.g. ORD-10427")] string orderId, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        await SideEffectLog.ExecutingAsync(arguments, "lookup_order", cancellationToken).ConfigureAwait(false);
        return OrderBook.Find(orderId) is { } order
            ? new OrderFound(order.OrderId, order.Item, order.Amount, order.Currency, order.DaysSinceDelivery)
            : new ToolError($"No order {orderId}.");
    }

    [Description("Checks whether an order may be refunded under the shop's policy, and up to what amount.")]
    public static async Task<object> CheckRefundPolicy(
        [Description("The order id")] string orderId,
        [Description("Why the customer wants a refund: damaged, late, wrong_item or changed_mind")] string reason,
        AIFunctionArguments arguments,
        CancellationToken cancellationToken)
    {
        await SideEffectLog.ExecutingAsync(arguments, "check_refund_policy", cancellationToken).ConfigureAwait(false);
        if (OrderBook.Find(orderId) is not { } order)
        {
            return new RefundVerdict(Eligible: false, MaxRefund: null, Rule: "unknown order");
        }

        var withinWindow = order.DaysSinceDelivery <= RefundWindowDays;
        var fullRefund = reason is "damaged" or "wrong_item" or "late";
        return new RefundVerdict(
            Eligible: withinWindow,
            MaxRefund: withinWindow ? (fullRefund ? order.Amount : Math.Round(order.Amount * 0.8m, 2)) : 0m,
            Rule: withinWindow ? (fullRefund ? "full refund within 30 days" : "80% refund within 30 days, restocking fee") : "outside the 30-day window");
    }

    /// <summary>
    /// Moves money, so it sends the payment provider the call's idempotency key: a run that a crash cut off after
    /// the refund but before its step's commit runs again on resume, and the provider refunds once.
    /// </summary>
    [Description("Drafts a refund to the original payment method.")]
    public static async Task<object> DraftRefund(
        [Description("The order id")] string orderId,
        [Description("Amount to refund")] decimal amount,
        AIFunctionArguments arguments,
        CancellationToken cancellationToken)
    {
        await SideEffectLog.ExecutingAsync(arguments, "draft_refund", cancellationToken).ConfigureAwait(false);
        var order = OrderBook.Find(orderId) ?? throw new InvalidOperationException($"No order {orderId}.");
        if (order.PaymentDeclines)
        {
            throw new InvalidOperationException($"Payment provider declined the refund for {orderId}: card account closed (code PP-4012).");
        }

        // A repeated key gets the refund it already made, as a payment API answers a retried request.
        await SideEffectLog.TryApplyAsync(arguments, "draft_refund", cancellationToken).ConfigureAwait(false);
        return new RefundDrafted($"RF-{orderId[4..]}", orderId, amount, "drafted");
    }
}
