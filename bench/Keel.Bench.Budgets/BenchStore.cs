using Keel.Budgets;
using Keel.Storage.Sqlite;
using Keel.Tasks;

namespace Keel.Bench.Budgets;

/// <summary>A SQLite store in a temporary folder with one customer and budgets that never run out during a run.</summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-bench-budgets-").FullName;

    public SqliteKeelStore Store { get; private set; } = null!;

    public string CustomerId { get; private set; } = "";

    public static async Task<BenchStore> CreateAsync()
    {
        var bench = new BenchStore();
        bench.Store = await SqliteKeelStore.OpenAsync(Path.Combine(bench._folder, "bench.db"));
        bench.CustomerId = (await bench.Store.EnsureCustomerAsync("bench")).Id;
        return bench;
    }

    public async Task<Budget> AddBudgetAsync(BudgetScope scope, string scopeId) =>
        await Store.UpsertBudgetAsync(new Budget
        {
            Id = KeelIds.New("bud"),
            Scope = scope,
            ScopeId = scopeId,
            CustomerId = CustomerId,
            LimitUsd = 1_000_000_000m,
            CreatedAt = DateTimeOffset.UtcNow,
        });

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
