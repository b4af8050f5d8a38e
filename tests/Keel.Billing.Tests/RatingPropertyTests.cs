using CsCheck;
using Keel.Billing.Currencies;
using Keel.Billing.Plans;
using Keel.Billing.Rating;
using Xunit;

namespace Keel.Billing.Tests;

/// <summary>Invariants over random plans, plan changes and event streams (CsCheck shrinks any failure to a small case).</summary>
public sealed class RatingPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int PeriodSeconds = 31 * 86_400;

    private static readonly string[] Metrics =
        [BillableMetrics.TaskStarted, BillableMetrics.TaskCompleted, BillableMetrics.OutcomeSuccess, BillableMetrics.OutcomeValue, BillableMetrics.ModelCost, "custom.pages"];

    private static readonly Gen<decimal> Money = Gen.Int[0, 100_000].Select(c => c / 1000m);

    private static readonly Gen<PriceTier[]> Tiers =
        Gen.Select(Gen.Int[1, 200], Money, Gen.Int[0, 2_000], Gen.Bool).Array[1, 4].Select(raw =>
        {
            var upTo = 0m;
            return raw.Select((t, i) =>
            {
                upTo += t.Item1;
                return new PriceTier(i == raw.Length - 1 ? null : upTo, t.Item2, t.Item4 ? t.Item3 / 100m : 0m);
            }).ToArray();
        });

    private static readonly Gen<ChargeModel> Models = Gen.OneOf<ChargeModel>(
        Money.Select(p => (ChargeModel)new PerUnit(p)),
        Tiers.Select(t => (ChargeModel)new Graduated(t)),
        Tiers.Select(t => (ChargeModel)new Volume(t)),
        Gen.Select(Gen.Int[1, 50], Money, (size, price) => (ChargeModel)new Package(size, price)),
        Gen.Int[0, 5000].Select(p => (ChargeModel)new PercentageOfValue(p / 100m)),
        Money.Select(a => (ChargeModel)new Flat(a * 100m)),
        Gen.Int[0, 100].Select(m => (ChargeModel)new CostPassThrough(m)));

    private static Gen<Plan> Plans(string currency, int version) =>
        Gen.Select(Gen.Select(Gen.OneOf(Metrics), Models, Gen.Int[0, 30]).Array[1, 5], Gen.Int[-1, 50_000], Gen.Int[0, 50_000])
            .Select((components, minimum, extra) => new Plan("p", version, $"Plan {version}", currency,
                [.. components.Select((c, i) => new PriceComponent($"c{i}", $"Component {i}", c.Item1, c.Item2) { IncludedQuantity = c.Item3 })])
            {
                MinimumCommitment = minimum < 0 ? null : minimum,
                MaximumCharge = extra % 3 == 0 ? null : Math.Max(minimum, 0) + extra,
            });

    private static readonly Gen<MeteredEvent[]> Events =
        Gen.Select(Gen.OneOf(Metrics), Gen.Int[-3, 20], Gen.Int[0, 1_000_000], Gen.Bool, Gen.Int[-86_400, PeriodSeconds + 86_400])
            .Array[0, 300]
            .Select(raw => raw.Select((e, i) => new MeteredEvent($"ev{i}", e.Item1, e.Item2 / 2m, e.Item4 ? e.Item3 / 100m : null, Start.AddSeconds(e.Item5))).ToArray());

    /// <summary>One plan all period, a mid-period change, or a change followed by a cancellation.</summary>
    private static readonly Gen<RatingRequest> Requests =
        Gen.OneOf("USD", "JPY", "KWD").SelectMany(currency =>
            Gen.Select(Plans(currency, 1), Plans(currency, 2), Gen.Int[1, PeriodSeconds - 1], Gen.Int[0, 2], Events)
                .Select((first, second, split, shape, events) =>
                {
                    var end = Start.AddSeconds(PeriodSeconds);
                    var change = Start.AddSeconds(split);
                    PlanInterval[] intervals = shape switch
                    {
                        0 => [new PlanInterval(first, Start, end)],
                        1 => [new PlanInterval(first, Start, change), new PlanInterval(second, change, end)],
                        _ => [new PlanInterval(first, Start, change), new PlanInterval(second, change, change.AddSeconds((end - change).TotalSeconds / 2))],
                    };
                    return new RatingRequest(currency, Start, end, intervals, events);
                }));

    [Fact]
    public void The_total_is_the_sum_of_the_lines_and_each_line_is_rounded_once()
    {
        Requests.Sample(request =>
        {
            var invoice = InvoiceRater.Rate(request);
            var currency = Currency.Get(request.Currency);

            Assert.Equal(invoice.Lines.Sum(l => l.Amount), invoice.Total);
            Assert.All(invoice.Lines, l => Assert.Equal(currency.Round(l.UnroundedAmount), l.Amount));
        }, iter: 2_000);
    }

    [Fact]
    public void Rating_is_deterministic_whatever_the_event_order()
    {
        Gen.Select(Requests, Gen.Int).Sample((request, seed) =>
        {
            var shuffled = ((IEnumerable<MeteredEvent>)request.Events).ToArray();
            new Random(seed).Shuffle(shuffled);

            var first = InvoiceRater.Rate(request);
            var again = InvoiceRater.Rate(request with { Events = shuffled });

            Assert.Equal(first, again);
        }, iter: 1_000);
    }

    [Fact]
    public void Graduated_tiers_never_charge_more_for_fewer_units()
    {
        Gen.Select(Tiers, Gen.Int[0, 1_000], Gen.Int[0, 1_000]).Sample((tiers, a, b) =>
        {
            var plan = new Plan("g", 1, "G", "USD", [new PriceComponent("c", "C", "m", new Graduated(tiers))]);
            decimal Charge(int units) => Billing.RateApril(plan, [new MeteredEvent("e", "m", units, null, Billing.Day(2))]).Lines[0].UnroundedAmount;

            var (fewer, more) = (Math.Min(a, b), Math.Max(a, b));
            Assert.True(Charge(fewer) <= Charge(more), $"{fewer} units cost {Charge(fewer)}, {more} units cost {Charge(more)}");
        }, iter: 2_000);
    }

    [Fact]
    public void Plans_round_trip_through_json()
    {
        Plans("USD", 1).Sample(plan => Assert.Equal(plan, PlanJson.Deserialize(PlanJson.Serialize(plan))), iter: 500);
    }
}
