namespace Keel.Billing;

/// <summary>A half-open billing period: <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
public sealed record BillingPeriod
{
    public BillingPeriod(DateTimeOffset start, DateTimeOffset end)
    {
        if (end <= start)
        {
            throw new ArgumentException($"A billing period must end after it starts ({start:O} .. {end:O}).", nameof(end));
        }

        Start = start;
        End = end;
    }

    public DateTimeOffset Start { get; }
    public DateTimeOffset End { get; }

    /// <summary>The calendar month (UTC) of <paramref name="year"/> and <paramref name="month"/>.</summary>
    public static BillingPeriod Month(int year, int month)
    {
        var start = new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BillingPeriod(start, start.AddMonths(1));
    }

    /// <summary>The calendar month (UTC) that contains <paramref name="time"/>.</summary>
    public static BillingPeriod MonthOf(DateTimeOffset time) => Month(time.UtcDateTime.Year, time.UtcDateTime.Month);

    public bool Contains(DateTimeOffset time) => time >= Start && time < End;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Start:yyyy-MM-dd}..{End:yyyy-MM-dd}");
}
