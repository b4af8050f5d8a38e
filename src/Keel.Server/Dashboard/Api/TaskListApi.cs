using Keel.Server.Access;
using Keel.Storage;
using Keel.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/tasks</c>: the task list, newest first, filtered, one page at a time by keyset (the cursor is the last
/// task's creation time and id), so page 1,000 costs what page 1 does on 100,000 tasks.
/// </summary>
internal static class TaskListApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Counting stops here: a list says "10,000+" rather than count a million rows on every poll.</summary>
    public const long CountCap = 10_000;

    public static void Map(RouteGroupBuilder api) => api.MapGet("/tasks", ListAsync);

    private static async Task ListAsync(HttpContext http, IKeelStore store, CustomerNames names, TimeProvider time)
    {
        var caller = DashboardApi.Caller(http);
        var ct = http.RequestAborted;
        var parameters = new ApiQuery(http.Request.Query);
        var limit = parameters.Int("limit", DefaultLimit, 1, MaxLimit);
        var minDuration = parameters.Long("min_duration_ms");
        var maxDuration = parameters.Long("max_duration_ms");
        var query = new TaskQuery
        {
            Status = parameters.Enum<AgentTaskStatus>("status"),
            Agent = parameters.Text("agent"),
            SessionId = parameters.Text("session"),
            Model = parameters.Text("model"),
            Search = parameters.Text("q"),
            CreatedFrom = parameters.Time("from"),
            CreatedBefore = parameters.Time("to"),
            MinCostUsd = parameters.Decimal("min_cost"),
            MaxCostUsd = parameters.Decimal("max_cost"),
            MinDuration = minDuration is { } min ? TimeSpan.FromMilliseconds(min) : null,
            MaxDuration = maxDuration is { } max ? TimeSpan.FromMilliseconds(max) : null,
            Limit = limit + 1, // one more than asked: whether there is a next page, without a count
        };
        if (parameters.Text("cursor") is { } cursor)
        {
            query = query with { After = TaskCursor.Decode(cursor) };
            if (query.After is null)
            {
                parameters.Fail("cursor", "a next_cursor this API returned");
            }
        }

        if (parameters.Error is { } error)
        {
            await ApiJson.InvalidAsync(http, error).ConfigureAwait(false);
            return;
        }

        // The caller's own customer, always; a customer filter narrows within what the caller may see.
        var customer = caller.CustomerId;
        var nobody = false;
        if (parameters.Text("customer") is { } wanted)
        {
            var visible = await store.FindVisibleCustomerIdAsync(caller, wanted, ct).ConfigureAwait(false);
            nobody = visible is null;
            customer = visible ?? customer;
        }

        query = query with { CustomerId = customer };
        IReadOnlyList<TaskSummary> page = nobody ? [] : await store.ListTasksAsync(query, ct).ConfigureAwait(false);
        var more = page.Count > limit;
        // A first page that holds every match is its own count; otherwise count (a rare filter would scan twice).
        var total = nobody ? 0
            : query.After is null && !more ? page.Count
            : await store.CountTasksAsync(query, CountCap, ct).ConfigureAwait(false);
        if (more)
        {
            page = [.. page.Take(limit)];
        }

        var customerNames = await names.NamesAsync(page.Select(s => s.Task.CustomerId), ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("tasks");
            foreach (var summary in page)
            {
                TaskRows.Write(writer, summary, customerNames, now);
            }

            writer.WriteEndArray();
            writer.Text("next_cursor", more ? TaskCursor.Encode(TaskPosition.Of(page[^1].Task)) : null);
            writer.WriteNumber("total_estimate", total);
            writer.WriteBoolean("total_capped", total >= CountCap);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
