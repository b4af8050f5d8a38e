namespace Keel.Storage.Sqlite.Schema;

/// <summary>
/// The index that finds a customer's usage from a time on (budgets, the costs report's part-day): by customer and UTC
/// day, so that usage arriving out of time order (ingested spans) is appended to today's entries rather than written
/// on a random page each (migration 21). SQLite uses an index on an expression only for that very expression, so
/// queries bound <see cref="Day"/> by <see cref="DayOf"/> and then the exact time.
/// </summary>
internal static class UsageByCustomerDay
{
    /// <summary>The indexed expression, for a query over <c>usage_events</c> aliased <c>u</c>.</summary>
    public const string Day = "u.created_at / 86400000000";

    private const long MicrosPerDay = 86_400_000_000;

    /// <summary>
    /// The lowest indexed day a usage row at or after <paramref name="sinceMicros"/> can have. Times are never before
    /// 1970, so SQLite's integer division (towards zero) is the floor there; any since at or before 1970 bounds nothing.
    /// </summary>
    public static long DayOf(long sinceMicros) => sinceMicros <= 0 ? long.MinValue : sinceMicros / MicrosPerDay;
}
