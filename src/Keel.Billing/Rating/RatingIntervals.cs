using Keel.Billing.Currencies;

namespace Keel.Billing.Rating;

/// <summary>Checks a request's plan intervals and turns them into sorted, clipped, non-overlapping rating intervals.</summary>
internal static class RatingIntervals
{
    internal static RatingInterval[] Build(RatingRequest request, Currency currency)
    {
        if (request.PeriodEnd <= request.PeriodStart)
        {
            throw new ArgumentException(
                $"The billing period must end after it starts ({request.PeriodStart:O} to {request.PeriodEnd:O}).", nameof(request));
        }

        ArgumentNullException.ThrowIfNull(request.Plans, nameof(request.Plans));
        ArgumentNullException.ThrowIfNull(request.Events, nameof(request.Events));
        var periodTicks = request.PeriodEnd.UtcTicks - request.PeriodStart.UtcTicks;
        var intervals = new List<RatingInterval>(request.Plans.Count);
        foreach (var planInterval in request.Plans)
        {
            ArgumentNullException.ThrowIfNull(planInterval, nameof(request.Plans));
            var plan = planInterval.Plan ?? throw new ArgumentException("A plan interval has no plan.", nameof(request));
            plan.Validate();
            if (!string.Equals(plan.Currency, currency.Code, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"Plan '{plan.Id}' v{plan.Version} is priced in {plan.Currency}, the invoice in {currency.Code}.", nameof(request));
            }

            if (planInterval.To < planInterval.From)
            {
                throw new ArgumentException(
                    $"Plan interval of '{plan.Id}' v{plan.Version} ends before it starts ({planInterval.From:O} to {planInterval.To:O}).", nameof(request));
            }

            var from = Max(planInterval.From, request.PeriodStart);
            var to = Min(planInterval.To, request.PeriodEnd);
            if (from < to)
            {
                intervals.Add(new RatingInterval(plan, from.ToUniversalTime(), to.ToUniversalTime(), periodTicks));
            }
        }

        intervals.Sort((a, b) => a.FromTicks.CompareTo(b.FromTicks));
        for (var i = 1; i < intervals.Count; i++)
        {
            if (intervals[i].FromTicks < intervals[i - 1].ToTicks)
            {
                throw new ArgumentException(
                    $"Plan intervals overlap: '{intervals[i - 1].Plan.Id}' v{intervals[i - 1].Plan.Version} runs to {intervals[i - 1].To:O}, "
                    + $"'{intervals[i].Plan.Id}' v{intervals[i].Plan.Version} starts at {intervals[i].From:O}.", nameof(request));
            }
        }

        return [.. intervals];
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
