using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Keel.Approvals;
using Keel.Oversight;
using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Support;

/// <summary>
/// A simulated supervisor who must approve refunds above a threshold. People take minutes, not milliseconds: the
/// time they would spend (30 s to 6 min, log-normal around 2 min) is recorded as human oversight and priced at the
/// customer's hourly rate, without the demo actually waiting for it.
/// </summary>
public static class RefundApprover
{
    public const decimal ApprovalThresholdUsd = 150m;
    public const string Actor = "supervisor@acme";

    public static async Task<string?> GateAsync(TaskContext context, FunctionCallContent call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(call);
        if (call.Name != "draft_refund" || Amount(call) is not { } amount || amount <= ApprovalThresholdUsd)
        {
            return null;
        }

        var draw = SHA256.HashData(Encoding.UTF8.GetBytes(context.Task.Input ?? ""));
        var normal = Math.Sqrt(-2 * Math.Log(1 - (draw[0] + 1) / 257.0)) * Math.Cos(2 * Math.PI * draw[1] / 256.0);
        var seconds = Math.Clamp(120 * Math.Exp(0.6 * normal), 30, 360);
        var approved = draw[2] % 7 != 0;
        var start = DateTimeOffset.UtcNow;
        await context.RecordInterventionAsync(Actor, InterventionKind.Approval, approved ? "approved" : "rejected", start, start.AddSeconds(seconds),
            note: $"refund of ${amount} (simulated reviewer)", cancellationToken: cancellationToken).ConfigureAwait(false);
        return approved ? null : $"{{\"error\":\"A supervisor rejected a refund of ${amount}: it needs a photo of the damage first.\"}}";
    }

    /// <summary>
    /// Parks the task until a person approves or rejects the refund (<c>keel approvals</c>, then
    /// <c>keel approve|reject TASK_ID</c>); a day without a decision counts as a rejection.
    /// </summary>
    public static async Task<string?> AskSupervisorAsync(TaskContext context, FunctionCallContent call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(call);
        if (call.Name != "draft_refund" || Amount(call) is not { } amount || amount <= ApprovalThresholdUsd)
        {
            return null;
        }

        var order = call.Arguments?.TryGetValue("orderId", out var id) == true ? id?.ToString() : "?";
        var decision = await context.WaitForApprovalAsync($"Refund ${amount} on order {order}",
            new ApprovalOptions { StepName = "refund approval", Timeout = TimeSpan.FromDays(1), OnTimeout = ApprovalTimeoutPolicy.Reject },
            cancellationToken).ConfigureAwait(false);
        return decision.Approved ? null : $"{{\"error\":\"A supervisor rejected a refund of ${amount}: {Escape(decision.Note ?? "no reason given")}.\"}}";
    }

    private static string Escape(string text) => JsonEncodedText.Encode(text).ToString();

    private static decimal? Amount(FunctionCallContent call) => call.Arguments?.TryGetValue("amount", out var value) == true
        ? value switch
        {
            decimal d => d,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDecimal(),
            _ => null,
        }
        : null;
}
