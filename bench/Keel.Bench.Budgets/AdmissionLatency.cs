using System.Diagnostics;
using System.Text;
using Keel.Budgets;
using Keel.Pricing;
using Keel.Server.Wire;
using Keel.Tokens;

namespace Keel.Bench.Budgets;

/// <summary>(b) The time admission and settlement add to one call, measured alone, call after call.</summary>
internal static class AdmissionLatency
{
    private static readonly byte[] RequestBody = Encoding.UTF8.GetBytes("""
        {"model":"chat","max_tokens":256,"messages":[
          {"role":"system","content":"You are a support agent for an online kettle shop. Be brief and exact."},
          {"role":"user","content":"My order 4711 arrived with a cracked lid. Can I get a refund or a replacement, and how long will it take?"}]}
        """);

    public sealed record Row(string Name, double P50Micros, double P99Micros, double MeanMicros);

    public static async Task<IReadOnlyList<Row>> RunAsync(int calls)
    {
        await using var bench = await BenchStore.CreateAsync();
        await bench.AddBudgetAsync(BudgetScope.Customer, bench.CustomerId);
        await bench.AddBudgetAsync(BudgetScope.Key, "key_bench");
        await bench.AddBudgetAsync(BudgetScope.Agent, "support");
        using var ledger = new BudgetLedger(bench.Store);
        await ledger.ReloadAsync();
        var one = new BudgetSubject(bench.CustomerId);
        var three = new BudgetSubject(bench.CustomerId, ApiKeyId: "key_bench", Agent: "support");
        var price = PriceTable.Default.Get("gpt-4o-mini");
        _ = TokenCounter.O200k.Count("warm the tokenizer up");

        var rows = new List<Row>
        {
            await MeasureAsync("reserve + settle, 1 budget applies", calls, async () => (await ledger.ReserveAsync(one, 0.0002m)).Settle(0.0001m)),
            await MeasureAsync("reserve + settle, 3 budgets apply (customer, key, agent)", calls, async () => (await ledger.ReserveAsync(three, 0.0002m)).Settle(0.0001m)),
            await MeasureAsync("gateway admission: count prompt (o200k) + worst case + reserve + settle, 3 budgets", calls, async () =>
            {
                var request = ChatCompletionRequest.Parse(RequestBody);
                var worstCase = WorstCase.Cost(request.PromptTokens(TokenCounter.O200k), [(price, 4_096)], request.MaxTokens);
                (await ledger.ReserveAsync(three, worstCase)).Settle(worstCase / 2);
            }),
            await MeasureAsync("  of which: parse the request body alone (paid with or without budgets)", calls, () =>
            {
                _ = ChatCompletionRequest.Parse(RequestBody);
                return ValueTask.CompletedTask;
            }),
        };
        return rows;
    }

    private static async Task<Row> MeasureAsync(string name, int calls, Func<ValueTask> call)
    {
        for (var i = 0; i < Math.Min(calls, 20_000); i++)
        {
            await call(); // warm-up
        }

        var micros = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await call();
            micros[i] = Stats.Micros(t0, Stopwatch.GetTimestamp());
        }

        Console.Error.WriteLine($"  admission: {name}: done");
        return new Row(name, Stats.Percentile(micros, 0.50), Stats.Percentile(micros, 0.99), micros.Average());
    }
}
