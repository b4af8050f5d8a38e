using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Observability;

/// <summary>
/// Server time of the dashboard API's pages on the seeded database: the task list (first page, filtered, searched, a
/// deep page by cursor, a customer's own view), task pages and step pages of ordinary tasks and of the long task, and
/// the pages the UI polls. Each page is requested <see cref="BenchOptions.Reps"/> times, one request at a time, after
/// a tenth as many warm-up requests.
/// </summary>
internal static class PageTimes
{
    public sealed record Page(string Group, string Name, string Path, bool AsCustomer = false, int? Reps = null, TaskQuery? Query = null);

    /// <summary>A list page's store calls timed alone: the page of 51 and the count the page shows (up to 10,000).</summary>
    public sealed record Split(string Name, double ListP50, double CountP50);

    public sealed record Row(string Group, string Name, string Path, int Reps, int Bytes, double ServerP50, double ServerP95, double ServerMax, double ClientP50, double ClientP95, string Check);

    public static async Task<(List<Row> Rows, List<double> WalkServerMs, List<Split> Splits)> RunAsync(BenchServer server, string dbPath, string longTaskId, BenchOptions options)
    {
        var picks = Picks.Read(dbPath, longTaskId);
        var customerKey = await server.CustomerKeyAsync(picks.BigCustomerId);
        var (deepCursor, walk) = await WalkAsync(server, options.Tasks * 9 / 10);
        var day = DateTimeOffset.UtcNow.AddDays(-12).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var nextDay = DateTimeOffset.UtcNow.AddDays(-11).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-30).ToString("O", CultureInfo.InvariantCulture));
        var week = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-7).ToString("O", CultureInfo.InvariantCulture));
        var longReps = Math.Max(10, options.Reps / 4);
        Page[] pages =
        [
            new("task list", "first page (50 newest)", "api/tasks"),
            new("task list", "status=failed", "api/tasks?status=failed"),
            new("task list", "status=waiting", "api/tasks?status=waiting"),
            new("task list", "agent=billing", "api/tasks?agent=billing"),
            new("task list", "status=failed & agent=travel", "api/tasks?status=failed&agent=travel", Query: new() { Status = AgentTaskStatus.Failed, Agent = "travel" }),
            new("task list", "customer= (admin, the biggest customer)", $"api/tasks?customer={picks.BigCustomerName}"),
            new("task list", "a customer's own key (its tasks only)", "api/tasks", AsCustomer: true),
            new("task list", "session=", $"api/tasks?session={picks.SessionId}"),
            new("task list", "one day (from/to)", $"api/tasks?from={day}&to={nextDay}"),
            new("task list", "model=claude-3-5-haiku", "api/tasks?model=claude-3-5-haiku", Query: new() { Model = "claude-3-5-haiku" }),
            new("task list", "min_cost=0.05", "api/tasks?min_cost=0.05", Query: new() { MinCostUsd = 0.05m }),
            new("task list", "q= id prefix", $"api/tasks?q={picks.TypicalId[..14]}", Query: new() { Search = picks.TypicalId[..14] }),
            new("task list", "q= word in the input (Lisbon)", "api/tasks?q=Lisbon", Query: new() { Search = "Lisbon" }),
            new("task list", "q= word in no input", "api/tasks?q=zanzibar", Query: new() { Search = "zanzibar" }),
            new("task list", $"deep page: cursor after {options.Tasks * 9 / 10:N0} tasks", $"api/tasks?cursor={Uri.EscapeDataString(deepCursor)}"),
            new("task page", "succeeded task, 5 steps", $"api/tasks/{picks.TypicalId}"),
            new("task page", "failed task (tool failed)", $"api/tasks/{picks.FailedToolTaskId}"),
            new("step page", "model step 5 of 5: context + diff", $"api/tasks/{picks.TypicalId}/steps/5"),
            new("step page", "tool step 4 of 5", $"api/tasks/{picks.TypicalId}/steps/4"),
            new("step page", "failed tool step: error + path", $"api/tasks/{picks.FailedToolTaskId}/steps/{picks.FailedToolSeq}"),
            new("step page", "failed model step: error + path", $"api/tasks/{picks.FailedModelTaskId}/steps/{picks.FailedModelSeq}"),
            new($"{options.LongSteps:N0}-step task", "task page (all steps and spans)", $"api/tasks/{longTaskId}", Reps: longReps),
            new($"{options.LongSteps:N0}-step task", "step 1 (first model call)", $"api/tasks/{longTaskId}/steps/1", Reps: longReps),
            new($"{options.LongSteps:N0}-step task", $"step {options.LongSteps / 2 - 1} (model call, mid-task)", $"api/tasks/{longTaskId}/steps/{options.LongSteps / 2 - 1}", Reps: longReps),
            new($"{options.LongSteps:N0}-step task", $"step {options.LongSteps - 1} (last model call: biggest context + diff)", $"api/tasks/{longTaskId}/steps/{options.LongSteps - 1}", Reps: longReps),
            new($"{options.LongSteps:N0}-step task", $"step {options.LongSteps} (failed tool: error path through every step)", $"api/tasks/{longTaskId}/steps/{options.LongSteps}", Reps: longReps),
            new("other pages", "stats (header counters, polled every 2 s)", "api/stats"),
            new("other pages", "approvals?status=pending", "api/approvals?status=pending"),
            new("other pages", "session page", $"api/sessions/{picks.SessionId}"),
            new("other pages", "costs by day, last 30 days", $"api/costs?by=day&since={month}"),
            new("other pages", "costs by customer, last 30 days", $"api/costs?by=customer&since={month}"),
            new("other pages", "costs by model, last 7 days", $"api/costs?by=model&since={week}"),
            new("other pages", "costs by agent, all time", "api/costs?by=agent"),
            new("other pages", "costs by day, a customer's own key, last 30 days", $"api/costs?by=day&since={month}", AsCustomer: true),
        ];

        var rows = new List<Row>();
        foreach (var page in pages)
        {
            rows.Add(await MeasureAsync(server, page, page.AsCustomer ? customerKey : null, page.Reps ?? options.Reps));
            var row = rows[^1];
            Console.Error.WriteLine($"  {page.Group} / {page.Name}: server p50 {row.ServerP50:0.0} ms, p95 {row.ServerP95:0.0} ms ({row.Bytes:N0} B; {row.Check})");
        }

        var splits = new List<Split>();
        foreach (var page in pages.Where(p => p.Query is not null))
        {
            var list = new List<double>();
            var count = new List<double>();
            for (var i = 0; i < 23; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                await server.Store.ListTasksAsync(page.Query! with { Limit = 51 });
                var t1 = Stopwatch.GetTimestamp();
                await server.Store.CountTasksAsync(page.Query!, 10_000);
                if (i >= 3)
                {
                    list.Add(Stats.Ms(t0, t1));
                    count.Add(Stats.MsSince(t1));
                }
            }

            splits.Add(new Split(page.Name, Stats.Median(list), Stats.Median(count)));
            Console.Error.WriteLine($"  store calls of {page.Name}: list {splits[^1].ListP50:0.0} ms, count {splits[^1].CountP50:0.0} ms");
        }

        return (rows, walk, splits);
    }

    private static async Task<Row> MeasureAsync(BenchServer server, Page page, string? token, int reps)
    {
        var first = await server.GetAsync(page.Path, token);
        if (first.Status != 200)
        {
            throw new InvalidOperationException($"GET {page.Path} answered {first.Status}: {System.Text.Encoding.UTF8.GetString(first.Body)}");
        }

        for (var i = 0; i < Math.Max(3, reps / 10); i++)
        {
            await server.GetAsync(page.Path, token);
        }

        var serverMs = new List<double>(reps);
        var clientMs = new List<double>(reps);
        for (var i = 0; i < reps; i++)
        {
            var reply = await server.GetAsync(page.Path, token);
            serverMs.Add(reply.ServerMs);
            clientMs.Add(reply.ClientMs);
        }

        return new Row(page.Group, page.Name, page.Path, reps, first.Body.Length,
            Stats.Percentile(serverMs, 0.5), Stats.Percentile(serverMs, 0.95), serverMs.Max(), Stats.Percentile(clientMs, 0.5), Stats.Percentile(clientMs, 0.95), Describe(first.Body));
    }

    /// <summary>What the page held, so the table shows each one answered something real.</summary>
    private static string Describe(byte[] body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        string Count(string name) => root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? $"{array.GetArrayLength():N0} {name}" : "";
        var parts = new List<string> { Count("tasks"), Count("steps"), Count("spans"), Count("rows"), Count("approvals"), Count("error_path") };
        if (root.TryGetProperty("total_estimate", out var total))
        {
            parts.Add($"total {total.GetInt64():N0}{(root.TryGetProperty("total_capped", out var capped) && capped.GetBoolean() ? "+" : "")}");
        }

        if (root.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object)
        {
            parts.Add($"{context.GetProperty("messages").GetArrayLength():N0} context messages");
        }

        if (root.TryGetProperty("diff", out var diff) && diff.ValueKind == JsonValueKind.Object)
        {
            parts.Add($"diff +{diff.GetProperty("added").GetInt32()}/-{diff.GetProperty("removed").GetInt32()}");
        }

        if (root.TryGetProperty("tasks", out var tasks) && tasks.ValueKind == JsonValueKind.Number)
        {
            parts.Add($"{tasks.GetInt64():N0} tasks counted");
        }

        return string.Join(", ", parts.Where(p => p.Length > 0));
    }

    /// <summary>Pages through the whole list 500 at a time, as far as <paramref name="depth"/> tasks, for a deep cursor.</summary>
    private static async Task<(string Cursor, List<double> ServerMs)> WalkAsync(BenchServer server, int depth)
    {
        string? cursor = null;
        var seen = 0;
        var times = new List<double>();
        while (seen < depth)
        {
            var reply = await server.GetAsync(cursor is null ? "api/tasks?limit=500" : $"api/tasks?limit=500&cursor={Uri.EscapeDataString(cursor)}");
            using var json = JsonDocument.Parse(reply.Body);
            seen += json.RootElement.GetProperty("tasks").GetArrayLength();
            cursor = json.RootElement.GetProperty("next_cursor").GetString() ?? throw new InvalidOperationException($"The list ended after {seen} tasks.");
            times.Add(reply.ServerMs);
        }

        Console.Error.WriteLine($"  walked {seen:N0} tasks in {times.Count} pages of 500: server p50 {Stats.Median(times):0.0} ms, max {times.Max():0.0} ms");
        return (cursor!, times);
    }

    /// <summary>Tasks and steps to open, picked from the file with SQL (the API has no "give me a typical task").</summary>
    private sealed record Picks(string TypicalId, string FailedToolTaskId, int FailedToolSeq, string FailedModelTaskId, int FailedModelSeq,
        string BigCustomerId, string BigCustomerName, string SessionId)
    {
        public static Picks Read(string path, string longTaskId)
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            string One(string sql, string? customer = null)
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                command.Parameters.AddWithValue("$long", longTaskId);
                command.Parameters.AddWithValue("$customer", customer ?? "");
                return command.ExecuteScalar() is { } value and not DBNull
                    ? Convert.ToString(value, CultureInfo.InvariantCulture)!
                    : throw new InvalidOperationException($"Nothing for: {sql}");
            }

            var typical = One("SELECT id FROM tasks WHERE status = 'succeeded' AND steps = 5 AND agent = 'support' ORDER BY created_at DESC LIMIT 1 OFFSET 50");
            var failedTool = One("SELECT s.task_id || ' ' || s.seq FROM steps s JOIN tasks t ON t.id = s.task_id WHERE t.status = 'failed' AND s.status = 'failed' AND s.kind = 'tool' AND t.steps >= 6 AND t.id <> $long ORDER BY t.created_at DESC LIMIT 1 OFFSET 20").Split(' ');
            var failedModel = One("SELECT s.task_id || ' ' || s.seq FROM steps s JOIN tasks t ON t.id = s.task_id WHERE t.status = 'failed' AND s.status = 'failed' AND s.kind = 'model' AND t.steps >= 5 ORDER BY t.created_at DESC LIMIT 1 OFFSET 20").Split(' ');
            var big = One("SELECT customer_id FROM tasks GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1");
            var bigName = One("SELECT name FROM customers WHERE id = $customer", big);
            var session = One("SELECT session_id FROM tasks WHERE session_id IS NOT NULL GROUP BY session_id ORDER BY count(*) DESC LIMIT 1");
            return new Picks(typical, failedTool[0], int.Parse(failedTool[1], CultureInfo.InvariantCulture), failedModel[0], int.Parse(failedModel[1], CultureInfo.InvariantCulture), big, bigName, session);
        }
    }
}
