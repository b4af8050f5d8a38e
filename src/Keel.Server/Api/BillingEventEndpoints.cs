using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Server.Access;
using Keel.Server.Routing;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// <c>POST /v1/billing/events</c>: billable events from outside, each counted exactly once per customer and
/// idempotency key. A new event is 201; the same key again with the same event is 200 with the original; the same key
/// with a different event is 409. <c>GET /v1/billing/events</c> lists a customer's ledger.
/// </summary>
internal static class BillingEventEndpoints
{
    /// <summary>Events one batch may carry.</summary>
    public const int MaxBatch = 1000;

    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/billing/events", PostAsync);
        app.MapGet("/v1/billing/events", ListAsync);
    }

    /// <summary>
    /// One event <c>{"customer"?, "metric", "quantity"?, "value"?, "timestamp"?, "idempotency_key", "kind"?, "target_event_id"?,
    /// "task_id"?, "agent"?}</c> or a batch <c>{"events": [...]}</c>, recorded in order (a retry of a batch is safe: what was
    /// recorded counts once). A customer key's events are its own; the admin token names the customer.
    /// </summary>
    private static Task PostAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store, GatewayCatalog catalog, TimeProvider time) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var body = await BillingRequest.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var batch = body.TryGetProperty("events", out var list);
            if (batch && (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > MaxBatch))
            {
                throw new BillingInputException($"'events' must be a list of 1 to {MaxBatch} events.", "events");
            }

            var items = batch ? list.EnumerateArray().ToList() : [body];
            var events = new List<(BillableEvent Event, bool TimestampGiven)>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var prefix = batch ? $"events[{i}]." : "";
                if (items[i].ValueKind != JsonValueKind.Object)
                {
                    throw new BillingInputException($"'events[{i}]' must be an object.", $"events[{i}]");
                }

                var customerId = await BillingRequest.CustomerAsync(http, store, caller, BillingRequest.Text(items[i], "customer", prefix), prefix + "customer").ConfigureAwait(false);
                events.Add(Read(items[i], prefix, customerId, time));
            }

            var written = new List<BillableEventWrite>(events.Count);
            foreach (var (e, timestampGiven) in events)
            {
                written.Add(await RecordAsync(billing, e, timestampGiven, http.RequestAborted).ConfigureAwait(false));
            }

            var status = written.Any(w => w.Created) ? StatusCodes.Status201Created : StatusCodes.Status200OK;
            if (!batch)
            {
                await BillingRequest.WriteAsync(http, BillableEventDocument.From(written[0].Event), BillingJson.Default.BillableEventDocument, status).ConfigureAwait(false);
                return;
            }

            await BillingRequest.WriteListAsync(http, written, (writer, w) =>
            {
                writer.WriteStartObject();
                writer.WriteBoolean("created", w.Created);
                writer.WritePropertyName("event");
                JsonSerializer.Serialize(writer, BillableEventDocument.From(w.Event), BillingJson.Default.BillableEventDocument);
                writer.WriteEndObject();
            }, status).ConfigureAwait(false);
        });

    /// <summary><c>?customer=&amp;from=&amp;to=</c> (a customer key: its own ledger; the admin token names the customer).</summary>
    private static Task ListAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var customerId = await BillingRequest.CustomerAsync(http, store, caller, BillingRequest.Query(http, "customer")).ConfigureAwait(false);
            var events = await billing.ListEventsAsync(customerId, BillingRequest.QueryTime(http, "from"), BillingRequest.QueryTime(http, "to"), http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteListAsync(http, events.Select(BillableEventDocument.From), BillingJson.Default.BillableEventDocument).ConfigureAwait(false);
        });

    private static (BillableEvent Event, bool TimestampGiven) Read(JsonElement json, string prefix, string customerId, TimeProvider time)
    {
        var kind = BillingRequest.Text(json, "kind", prefix) switch
        {
            null or "usage" => BillableEventKind.Usage,
            "correction" => BillableEventKind.Correction,
            "void" => BillableEventKind.Void,
            _ => throw new BillingInputException($"'{prefix}kind' must be usage, correction or void.", prefix + "kind"),
        };
        var target = BillingRequest.Text(json, "target_event_id", prefix);
        if ((kind == BillableEventKind.Usage) != (target is null))
        {
            throw new BillingInputException($"A correction or void names the usage event it applies to in '{prefix}target_event_id'; a usage event names none.", prefix + "target_event_id");
        }

        var quantity = BillingRequest.Number(json, "quantity", prefix);
        var value = BillingRequest.Number(json, "value", prefix);
        if (quantity < 0)
        {
            throw new BillingInputException($"'{prefix}quantity' must not be negative (a correction or void event fixes a count).", prefix + "quantity");
        }

        var timestamp = BillingRequest.Time(json, "timestamp", prefix);
        return (new BillableEvent
        {
            Id = "",
            CustomerId = customerId,
            IdempotencyKey = BillingRequest.Text(json, "idempotency_key", prefix, required: true)!,
            Metric = BillingRequest.Text(json, "metric", prefix, required: true)!,
            Quantity = quantity ?? 1,
            Value = value,
            Timestamp = timestamp ?? time.GetUtcNow(),
            Kind = kind,
            TargetEventId = target,
            TaskId = BillingRequest.Text(json, "task_id", prefix),
            Agent = BillingRequest.Text(json, "agent", prefix),
        }, timestamp is not null);
    }

    /// <summary>
    /// Records one event. An event sent without a timestamp gets the time it arrived, so its retry carries another
    /// time: a retry that differs only by that is the same event, not a conflict.
    /// </summary>
    private static async Task<BillableEventWrite> RecordAsync(BillingService billing, BillableEvent e, bool timestampGiven, CancellationToken cancellationToken)
    {
        try
        {
            return await billing.RecordEventAsync(e, cancellationToken).ConfigureAwait(false);
        }
        catch (BillableEventConflictException ex) when (!timestampGiven)
        {
            var existing = (await billing.ListEventsAsync(e.CustomerId, cancellationToken: cancellationToken).ConfigureAwait(false)).FirstOrDefault(x => x.Id == ex.ExistingEventId);
            if (existing is not null && existing.SamePayload(e with { Timestamp = existing.Timestamp }))
            {
                return new BillableEventWrite(existing, Created: false);
            }

            throw;
        }
    }
}
