using Keel.Billing.Plans;
using Keel.Billing.Rating;
using Xunit;

namespace Keel.Billing.Tests;

/// <summary>Small builders so each test states only its prices, its events and its hand-computed amounts.</summary>
internal static class Billing
{
    /// <summary>April 2026: 30 days, so a 15-day interval is exactly half of it.</summary>
    internal static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    internal static readonly DateTimeOffset May = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    internal static DateTimeOffset Day(int day, int hour = 12) => new(2026, 4, day, hour, 0, 0, TimeSpan.Zero);

    internal static Plan Plan(string currency, params PriceComponent[] components) =>
        new("pro", 1, "Pro", currency, components);

    internal static Plan Plan(params PriceComponent[] components) => Plan("USD", components);

    internal static PriceComponent Component(string metric, ChargeModel model, decimal included = 0m) =>
        new(metric.Replace('.', '_'), $"Charge on {metric}", metric, model) { IncludedQuantity = included };

    /// <summary><paramref name="count"/> events of quantity 1 on <paramref name="metric"/>, spread over April 1–28.</summary>
    internal static IEnumerable<MeteredEvent> Units(string metric, int count, string prefix = "e") =>
        Enumerable.Range(0, count).Select(i => new MeteredEvent($"{prefix}{i}", metric, 1m, null, Day(1 + (i % 28))));

    internal static IEnumerable<MeteredEvent> Values(string metric, params decimal[] values) =>
        values.Select((v, i) => new MeteredEvent($"v{i}", metric, 1m, v, Day(1 + (i % 28))));

    /// <summary>Rates April for one plan in force all month.</summary>
    internal static RatedInvoice RateApril(Plan plan, IEnumerable<MeteredEvent> events) =>
        InvoiceRater.Rate(new RatingRequest(plan.Currency, April, May, [new PlanInterval(plan, April, May)], events));

    internal static RatedLine Line(this RatedInvoice invoice, string componentId) =>
        Assert.Single(invoice.Lines, l => l.ComponentId == componentId);
}
