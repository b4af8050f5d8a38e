using Keel.Billing;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>
/// The SQLite ledger's batched append (insert first, look the key up only when it is taken, statements prepared once
/// per batch) and its customer-clustered rowids.
/// </summary>
public sealed class SqliteBillingLedgerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset March = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddBillableEventsAsync_TwentyConcurrentBatchesOfTheSameKeys_StoreEachOnceAndReturnItToAll()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        var customer = await store.EnsureCustomerAsync("acme", Ct);
        // Every batch repeats key k2 inside itself too; each submission has its own ids, as retries do.
        var batches = Enumerable.Range(0, 20)
            .Select(i => Task.Run(async () => await store.AddBillableEventsAsync(
                [Event(customer.Id, "k1", 1m), Event(customer.Id, "k2", 2m), Event(customer.Id, "k2", 2m)], cancellationToken: Ct), Ct))
            .ToArray();

        var writes = (await Task.WhenAll(batches)).SelectMany(w => w).ToList();

        Assert.Equal(2, writes.Count(w => w.Created));
        Assert.Single(writes.Where(w => w.Event.IdempotencyKey == "k1").Select(w => w.Event.Id).Distinct());
        Assert.Single(writes.Where(w => w.Event.IdempotencyKey == "k2").Select(w => w.Event.Id).Distinct());
        var stored = await store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct);
        Assert.Equal([1m, 2m], stored.OrderBy(e => e.IdempotencyKey, StringComparer.Ordinal).Select(e => e.Quantity));
    }

    [Fact]
    public async Task AddBillableEventsAsync_OtherPayloadUnderAStoredKeyAmongConcurrentDuplicates_IsAConflictAndItsBatchStoresNothing()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        var customer = await store.EnsureCustomerAsync("acme", Ct);
        var first = await store.AddBillableEventAsync(Event(customer.Id, "k1", 1m), Ct);
        var duplicates = Enumerable.Range(0, 20)
            .Select(_ => Task.Run(async () => await store.AddBillableEventsAsync([Event(customer.Id, "k1", 1m)], cancellationToken: Ct), Ct))
            .ToArray();

        var conflict = await Assert.ThrowsAsync<BillableEventConflictException>(async () =>
            await store.AddBillableEventsAsync([Event(customer.Id, "fresh", 1m), Event(customer.Id, "k1", 5m)], cancellationToken: Ct));

        Assert.Equal(first.Event.Id, conflict.ExistingEventId);
        Assert.All((await Task.WhenAll(duplicates)).SelectMany(w => w), w => Assert.Equal((first.Event.Id, false), (w.Event.Id, w.Created)));
        var stored = Assert.Single(await store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct));
        Assert.Equal(1m, stored.Quantity);
    }

    [Fact]
    public async Task AddBillableEventsAsync_SameIdAndKeyAgain_IsADuplicateNotAnError()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        var customer = await store.EnsureCustomerAsync("acme", Ct);
        var e = Event(customer.Id, "k1", 1m);

        var writes = await store.AddBillableEventsAsync([e, e], cancellationToken: Ct);

        Assert.Equal([true, false], writes.Select(w => w.Created));
        Assert.Equal(writes[0].Event, writes[1].Event);
    }

    [Fact]
    public async Task AddBillableEventsAsync_InterleavedCustomers_GetRowidsClusteredInTheirOwnRange()
    {
        await using (var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct))
        {
            var acme = await store.EnsureCustomerAsync("acme", Ct);
            var globex = await store.EnsureCustomerAsync("globex", Ct);
            for (var round = 0; round < 3; round++)
            {
                await store.AddBillableEventsAsync([Event(acme.Id, $"a{round}", 1m), Event(globex.Id, $"g{round}", 1m)], cancellationToken: Ct);
            }
        }

        using var raw = _database.OpenRaw();
        foreach (var name in new[] { "acme", "globex" })
        {
            var bounds = RawSql.Scalar(raw, $"""
                SELECT (SELECT min(e.rowid) || ',' || max(e.rowid) FROM billing_events e WHERE e.customer_id = c.id) || ';' || (c.rowid * 4294967296)
                FROM customers c WHERE c.name = '{name}'
                """) as string;
            var parts = bounds!.Split(';');
            var minMax = parts[0].Split(',').Select(long.Parse).ToArray();
            var start = long.Parse(parts[1]);
            Assert.Equal((start + 1, start + 3), (minMax[0], minMax[1]));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        _database.Dispose();
    }

    private static BillableEvent Event(string customerId, string key, decimal quantity) => new()
    {
        Id = KeelIds.New("bev"),
        CustomerId = customerId,
        IdempotencyKey = key,
        Metric = "tickets.resolved",
        Quantity = quantity,
        Timestamp = March.AddDays(2),
    };
}
