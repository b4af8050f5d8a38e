using System.Diagnostics.CodeAnalysis;
using System.Globalization;

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

    /// <summary>The calendar month (UTC) a text like <c>2026-11</c> names: what the CLI's <c>--period</c> and the REST <c>period</c> take.</summary>
    public static bool TryParseMonth(string? text, [NotNullWhen(true)] out BillingPeriod? period)
    {
        period = DateTime.TryParseExact(text?.Trim(), "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
            ? Month(month.Year, month.Month)
            : null;
        return period is not null;
    }

    public bool Contains(DateTimeOffset time) => time >= Start && time < End;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Start:yyyy-MM-dd}..{End:yyyy-MM-dd}");
}
