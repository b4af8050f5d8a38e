using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Keel.Access;
using Keel.Budgets;
using Keel.MockUpstream;
using Keel.Server.Hosting;
using Keel.Server.Recording;
using Keel.Tasks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Bench.Budgets;

/// <summary>
/// (b) End to end: the in-process gateway in front of the in-process mock, one call at a time, alternating between a
/// customer with a budget and one without, so both see the same process, store and background writes.
/// </summary>
internal static class GatewayLatency
{
    public sealed record Side(string Name, double P50Micros, double P99Micros, double MeanMicros);

    public static async Task<(Side Without, Side With)> RunAsync(int calls, int warmup, bool stream)
    {
        var folder = Directory.CreateTempSubdirectory("keel-bench-gateway-").FullName;
        await using var mock = await MockUpstreamServer.StartAsync();
        mock.MaxRecordedRequests = 0;
        var config = Path.Combine(folder, "keel.yaml");
        await File.WriteAllTextAsync(config, $"""
            providers:
              mock:
                type: openai
                base_url: {mock.BaseAddress}v1
            deployments:
              mini:
                provider: mock
                model: gpt-4o-mini
            models:
              chat:
                deployments: [mini]
            """);
        var app = await KeelServer.BuildAsync(new KeelServerOptions { DbPath = Path.Combine(folder, "keel.db"), ConfigPath = config, Urls = "http://127.0.0.1:0" });
        try
        {
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var store = app.Services.GetRequiredService<Keel.Storage.IKeelStore>();
            async Task<string> KeyAsync(string customer)
            {
                var owner = await store.EnsureCustomerAsync(customer);
                var (key, secret) = ApiKeySecrets.Create(owner.Id, "bench", DateTimeOffset.UtcNow);
                await store.CreateApiKeyAsync(key);
                return secret;
            }

            var free = await KeyAsync("free");
            var capped = await KeyAsync("capped");
            var cappedId = (await store.FindCustomerAsync("capped"))!.Id;
            await store.UpsertBudgetAsync(new Budget
            {
                Id = KeelIds.New("bud"), Scope = BudgetScope.Customer, ScopeId = cappedId, CustomerId = cappedId, LimitUsd = 1_000_000m, CreatedAt = DateTimeOffset.UtcNow,
            });
            var ledger = app.Services.GetRequiredService<BudgetLedger>();
            await ledger.ReloadAsync();

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
            var body = $$"""{"model":"chat","max_tokens":256,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"system","content":"You are a support agent for an online kettle shop."},{"role":"user","content":"My order 4711 arrived with a cracked lid. Can I get a refund?"}]}""";
            async Task<double> CallAsync(string key)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                var t0 = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                _ = await response.Content.ReadAsByteArrayAsync();
                var elapsed = Stats.Micros(t0, Stopwatch.GetTimestamp());
                return response.IsSuccessStatusCode ? elapsed : throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            var without = new List<double>(calls);
            var with = new List<double>(calls);
            for (var i = 0; i < warmup + calls; i++)
            {
                // Alternate which goes first, so neither side always follows the other's background write.
                var (a, b) = i % 2 == 0 ? (free, capped) : (capped, free);
                var ta = await CallAsync(a);
                var tb = await CallAsync(b);
                if (i >= warmup)
                {
                    (a == free ? without : with).Add(ta);
                    (b == free ? without : with).Add(tb);
                }
            }

            await app.Services.GetRequiredService<StepWriter>().FlushAsync();
            var status = (await ledger.StatusAsync()).Single();
            if (status.SpentUsd <= 0 || status.ReservedUsd != 0)
            {
                throw new InvalidOperationException($"The capped customer's budget did not settle: spent {status.SpentUsd}, reserved {status.ReservedUsd}.");
            }

            var kind = stream ? "streamed" : "whole";
            Console.Error.WriteLine($"  gateway ({kind}): {calls} calls per side done; capped customer spent ${status.SpentUsd:0.######}");
            return (Summarise($"{kind} answer, no budget", without), Summarise($"{kind} answer, customer budget", with));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Side Summarise(string name, List<double> micros) => new(name, Stats.Percentile(micros, 0.50), Stats.Percentile(micros, 0.99), micros.Average());
}
