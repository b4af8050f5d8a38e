using Keel.Billing.Plans;
using Keel.Billing.Rating;
using Xunit;
using static Keel.Billing.Tests.Billing;

namespace Keel.Billing.Tests;

/// <summary>A mid-period plan change and a cancellation, April 2026 (30 days = 2,592,000 s).</summary>
public sealed class ProrationTests
{
    private static readonly DateTimeOffset Change = new(2026, 4, 16, 0, 0, 0, TimeSpan.Zero);

    private static readonly Plan Starter = new("starter", 1, "Starter", "USD",
    [
        new PriceComponent("base", "Base fee", "", new Flat(30m)),
        new PriceComponent("tasks", "Completed tasks", BillableMetrics.TaskCompleted, new PerUnit(1m)) { IncludedQuantity = 10m },
    ])
    { MinimumCommitment = 60m };

    private static readonly Plan Growth = new("growth", 2, "Growth", "USD",
    [
        new PriceComponent("base", "Base fee", "", new Flat(90m)),
        new PriceComponent("tasks", "Completed tasks", BillableMetrics.TaskCompleted, new Graduated([new(20m, 0.50m), new(null, 0.25m)])),
    ]);

    private static MeteredEvent Task(string id, DateTimeOffset at) => new(id, BillableMetrics.TaskCompleted, 1m, null, at);

    [Fact]
    public void A_mid_period_change_prorates_fees_allowances_and_minimums_and_restarts_tiers()
    {
        // Starter 04-01..04-16 = 15 days = 1/2 of April; Growth 04-16..05-01 = the other 1/2.
        // Starter: base 30 × 1/2 = 15.00; included ⌊10 × 1/2⌋ = 5, 15 tasks → 10 × 1.00 = 10.00;
        //          charges 25.00 < minimum 60 × 1/2 = 30.00 → top-up 5.00. Interval total 30.00.
        // Growth:  base 90 × 1/2 = 45.00; 30 tasks (one exactly at the change instant), tiers restart:
        //          20 × 0.50 + 10 × 0.25 = 12.50. Interval total 57.50.
        // Invoice: 30.00 + 57.50 = 87.50
        var events = Enumerable.Range(0, 15).Select(i => Task($"a{i}", Day(1 + i)))
            .Concat(Enumerable.Range(0, 29).Select(i => Task($"b{i}", Day(16 + (i % 15)))))
            .Append(Task("at-change", Change));

        var invoice = InvoiceRater.Rate(new RatingRequest("USD", April, May,
            [new PlanInterval(Growth, Change, May), new PlanInterval(Starter, April, Change)], events));

        Assert.Collection(invoice.Lines,
            l => Assert.Equal(("base", 1, 0.5m, 15.00m), (l.ComponentId, l.PlanVersion, l.Quantity, l.Amount)),
            l => Assert.Equal(("tasks", 1, 15m, 5m, 10.00m), (l.ComponentId, l.PlanVersion, l.Quantity, l.IncludedQuantity, l.Amount)),
            l => Assert.Equal((RatedLine.MinimumCommitmentId, 5.00m), (l.ComponentId, l.Amount)),
            l => Assert.Equal(("base", 2, 45.00m), (l.ComponentId, l.PlanVersion, l.Amount)),
            l => Assert.Equal(("tasks", 2, 30m, 12.50m), (l.ComponentId, l.PlanVersion, l.Quantity, l.Amount)));
        Assert.Equal(87.50m, invoice.Total);
        Assert.Contains("Starter v1, 2026-04-01 to 2026-04-16", invoice.Lines[0].Description, StringComparison.Ordinal);
        Assert.Contains("Growth v2, 2026-04-16 to 2026-05-01", invoice.Lines[3].Description, StringComparison.Ordinal);
        Assert.Empty(invoice.UnratedEventIds);
    }

    [Fact]
    public void A_cancellation_prorates_by_elapsed_time_and_leaves_later_events_unrated()
    {
        // Starter 04-01..04-11 = 864,000 s of 2,592,000 s = 1/3 of April.
        // base 30 × 1/3 = 10.00; included ⌊10 × 1/3⌋ = ⌊3.33⌋ = 3, 5 tasks → 2 × 1.00 = 2.00;
        // charges 12.00 < minimum 60 × 1/3 = 20.00 → top-up 8.00. Total 20.00.
        var cancel = new DateTimeOffset(2026, 4, 11, 0, 0, 0, TimeSpan.Zero);
        var events = Enumerable.Range(0, 5).Select(i => Task($"a{i}", Day(1 + i))).Append(Task("late", Day(20)));

        var invoice = InvoiceRater.Rate(new RatingRequest("USD", April, May, [new PlanInterval(Starter, April, cancel)], events));

        Assert.Equal(10.00m, invoice.Line("base").Amount);
        Assert.Equal(3m, invoice.Line("tasks").IncludedQuantity);
        Assert.Equal(2.00m, invoice.Line("tasks").Amount);
        Assert.Equal(8.00m, invoice.Line(RatedLine.MinimumCommitmentId).Amount);
        Assert.Equal(20.00m, invoice.Total);
        Assert.Equal(["late"], invoice.UnratedEventIds);
    }

    [Fact]
    public void A_prorated_fee_keeps_its_unrounded_amount()
    {
        // 100.00 × 1/3 = 33.333… → 33.33
        var plan = Plan(new PriceComponent("base", "Base fee", "", new Flat(100m)));
        var cancel = new DateTimeOffset(2026, 4, 11, 0, 0, 0, TimeSpan.Zero);

        var line = InvoiceRater.Rate(new RatingRequest("USD", April, May, [new PlanInterval(plan, April, cancel)], [])).Line("base");

        Assert.Equal(33.33m, line.Amount);
        Assert.Equal(33.333333333333333333m, decimal.Round(line.UnroundedAmount, 18));
    }

    [Fact]
    public void A_cancellation_prorates_the_maximum_charge()
    {
        // 50 tasks × 1.00 in the first 10 days = 50.00; maximum 30 × 1/3 = 10.00 → cap −40.00, total 10.00
        var plan = Plan(Component(BillableMetrics.TaskStarted, new PerUnit(1m))) with { MaximumCharge = 30m };
        var cancel = new DateTimeOffset(2026, 4, 11, 0, 0, 0, TimeSpan.Zero);
        var events = Enumerable.Range(0, 50).Select(i => new MeteredEvent($"e{i}", BillableMetrics.TaskStarted, 1m, null, Day(1 + (i % 10))));

        var invoice = InvoiceRater.Rate(new RatingRequest("USD", April, May, [new PlanInterval(plan, April, cancel)], events));

        Assert.Equal(-40.00m, invoice.Line(RatedLine.MaximumChargeId).Amount);
        Assert.Equal(10.00m, invoice.Total);
    }

    [Fact]
    public void Overlapping_intervals_and_foreign_currencies_are_refused()
    {
        var overlap = new RatingRequest("USD", April, May, [new PlanInterval(Starter, April, Day(20)), new PlanInterval(Growth, Day(10), May)], []);
        var euros = new RatingRequest("EUR", April, May, [new PlanInterval(Starter, April, May)], []);

        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => InvoiceRater.Rate(overlap)).Message, StringComparison.Ordinal);
        Assert.Contains("USD", Assert.Throws<ArgumentException>(() => InvoiceRater.Rate(euros)).Message, StringComparison.Ordinal);
    }
}
