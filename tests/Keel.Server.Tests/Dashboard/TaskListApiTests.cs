using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>GET /api/tasks over a few hundred tasks: every filter, alone and together, and keyset paging.</summary>
public sealed class TaskListApiTests : IAsyncLifetime
{
    private const int Count = 300;
    private GatewayHarness? _gateway;
    private readonly List<(AgentTask Task, string Customer, string Model, string Alias, decimal Cost, TimeSpan Duration)> _seeded = [];

    private GatewayHarness Gateway => _gateway!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await DashboardClient.StartAsync();
        var (globexId, _) = await Gateway.CreateKeyAsync("globex");
        for (var i = 0; i < Count; i++)
        {
            var customer = i % 4 == 0 ? "globex" : "acme";
            var spec = new DashboardSeed.Spec
            {
                // Pairs share a creation time, so the id must break ties for paging to be exact.
                CreatedAt = DashboardSeed.Epoch.AddMinutes(i / 2),
                Agent = i % 3 == 0 ? "research" : "support",
                Status = i % 10 == 0 ? AgentTaskStatus.Failed : AgentTaskStatus.Succeeded,
                Error = i % 10 == 0 ? "card declined" : null,
                SessionId = i % 25 == 0 ? "s-vip" : null,
                Alias = i % 5 == 0 ? "big" : "chat",
                Model = i % 5 == 0 ? "gpt-4o" : "gpt-4o-mini",
                CostUsd = 0.001m * (i % 50),
                Duration = TimeSpan.FromSeconds((i % 7) + 1),
                Input = $"Order ORD-{i:D4} is late",
            };
            var task = await DashboardSeed.TaskAsync(Gateway.Store, customer == "globex" ? globexId : Gateway.CustomerId, spec);
            _seeded.Add((task, customer, spec.Model, spec.Alias, spec.CostUsd, spec.Duration));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    /// <summary>The seeded tasks that match, newest first as the API orders them.</summary>
    private string[] Expected(Func<(AgentTask Task, string Customer, string Model, string Alias, decimal Cost, TimeSpan Duration), bool> match) =>
        [.. _seeded.Where(match).OrderByDescending(s => s.Task.CreatedAt).ThenByDescending(s => s.Task.Id, StringComparer.Ordinal).Select(s => s.Task.Id)];

    private async Task<string[]> ListAllAsync(string query, int limit = 500)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Gateway.GetApiAsync($"tasks?{query}&limit={limit}{(cursor is null ? "" : "&cursor=" + cursor)}", Gateway.AdminToken);
            Assert.Equal(200, page.Status);
            var pageIds = page.TaskIds();
            Assert.True(pageIds.Length <= limit);
            ids.AddRange(pageIds);
            cursor = page.Json.GetProperty("next_cursor").GetString();
            Assert.True(cursor is null || pageIds.Length == limit, "only a full page has a next one");
        }
        while (cursor is not null);

        return [.. ids];
    }

    [Fact]
    public async Task Paging_walks_every_task_once_newest_first()
    {
        var first = await Gateway.GetApiAsync("tasks?limit=37", Gateway.AdminToken);
        var all = await ListAllAsync("", limit: 37);

        Assert.Equal(Expected(_ => true), all);
        Assert.Equal(Count, first.Json.GetProperty("total_estimate").GetInt32());
        Assert.Equal(37, first.TaskIds().Length);
    }

    [Fact]
    public async Task Default_page_is_fifty_with_a_cursor()
    {
        var page = await Gateway.GetApiAsync("tasks", Gateway.AdminToken);

        Assert.Equal(Expected(_ => true).Take(50), page.TaskIds());
        Assert.NotNull(page.Json.GetProperty("next_cursor").GetString());
        var row = page.Json.GetProperty("tasks")[0];
        foreach (var field in new[] { "id", "status", "agent", "customer_id", "customer_name", "session_id", "steps", "model_calls", "retries", "fallbacks", "input_tokens", "output_tokens", "cost_usd", "duration_ms", "created_at", "ended_at", "outcome", "error", "parent_id", "forked_from" })
        {
            Assert.True(row.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task Each_filter_keeps_exactly_its_tasks()
    {
        var from = DashboardSeed.Epoch.AddMinutes(40);
        var to = DashboardSeed.Epoch.AddMinutes(90);
        var someId = _seeded[123].Task.Id;
        var cases = new (string Query, Func<(AgentTask Task, string Customer, string Model, string Alias, decimal Cost, TimeSpan Duration), bool> Match)[]
        {
            ("status=failed", s => s.Task.Status == AgentTaskStatus.Failed),
            ("agent=research", s => s.Task.Agent == "research"),
            ("customer=globex", s => s.Customer == "globex"),
            ($"customer={_seeded[1].Task.CustomerId}", s => s.Customer == "acme"),
            ("session=s-vip", s => s.Task.SessionId == "s-vip"),
            ("model=gpt-4o", s => s.Model == "gpt-4o"),
            ("model=big", s => s.Alias == "big"),
            ("model=gpt-4o-mini", s => s.Model == "gpt-4o-mini"),
            ("model=nobody-uses-this", _ => false),
            ("q=ord-0042", s => s.Task.Input!.Contains("ORD-0042", StringComparison.Ordinal)),
            ("q=ORD-01", s => s.Task.Input!.Contains("ORD-01", StringComparison.Ordinal)),
            ($"q={someId}", s => s.Task.Id == someId),
            ($"from={Uri.EscapeDataString(from.ToString("O"))}&to={to.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}", s => s.Task.CreatedAt >= from && s.Task.CreatedAt < to),
            ("min_cost=0.04", s => s.Cost >= 0.04m),
            ("max_cost=0.002", s => s.Cost <= 0.002m),
            ("min_cost=0.01&max_cost=0.012", s => s.Cost is >= 0.01m and <= 0.012m),
            ("min_duration_ms=6000", s => s.Duration >= TimeSpan.FromSeconds(6)),
            ("max_duration_ms=1000", s => s.Duration <= TimeSpan.FromSeconds(1)),
            ("agent=research&status=failed&customer=acme", s => s.Task.Agent == "research" && s.Task.Status == AgentTaskStatus.Failed && s.Customer == "acme"),
            ("model=gpt-4o&session=s-vip", s => s.Model == "gpt-4o" && s.Task.SessionId == "s-vip"),
        };

        foreach (var (query, match) in cases)
        {
            var expected = Expected(match);
            var page = await Gateway.GetApiAsync($"tasks?{query}&limit=500", Gateway.AdminToken);

            Assert.True(page.Status == 200, $"{query}: {page.Text}");
            Assert.True(expected.SequenceEqual(page.TaskIds()), $"{query}: expected {expected.Length} tasks, got {page.TaskIds().Length}");
            Assert.Equal(expected.Length, page.Json.GetProperty("total_estimate").GetInt32());
        }
    }

    [Fact]
    public async Task Filters_hold_across_pages()
    {
        var succeeded = await ListAllAsync("status=succeeded&customer=acme", limit: 40);
        var page = await Gateway.GetApiAsync("tasks?status=succeeded&customer=acme&limit=40", Gateway.AdminToken);

        Assert.Equal(Expected(s => s.Task.Status == AgentTaskStatus.Succeeded && s.Customer == "acme"), succeeded);
        Assert.Equal(succeeded.Length, page.Json.GetProperty("total_estimate").GetInt32());
    }

    [Theory]
    [InlineData("status=bogus", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("from=yesterday", "from")]
    [InlineData("min_cost=cheap", "min_cost")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    public async Task Malformed_parameters_are_a_400_that_names_them(string query, string parameter)
    {
        var answer = await Gateway.GetApiAsync($"tasks?{query}", Gateway.AdminToken);

        Assert.Equal(400, answer.Status);
        Assert.Contains($"'{parameter}'", answer.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cursor_stays_valid_when_new_tasks_arrive()
    {
        var first = await Gateway.GetApiAsync("tasks?limit=10", Gateway.AdminToken);
        var cursor = first.Json.GetProperty("next_cursor").GetString();
        await DashboardSeed.TaskAsync(Gateway.Store, Gateway.CustomerId, new() { CreatedAt = DashboardSeed.Epoch.AddDays(1) });

        var second = await Gateway.GetApiAsync($"tasks?limit=10&cursor={cursor}", Gateway.AdminToken);

        Assert.Equal(Expected(_ => true).Skip(10).Take(10), second.TaskIds());
    }
}
