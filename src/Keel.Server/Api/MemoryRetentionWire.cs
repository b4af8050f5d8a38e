using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Xml;
using Keel.Memory;

namespace Keel.Server.Api;

/// <summary>
/// Between the retention API's JSON and <see cref="MemoryRetention"/>, shared by REST and the CLI so both accept
/// the same ages (<c>30d</c>, <c>12h</c>, ISO-8601 <c>P30D</c>) and refuse the same input with the same words.
/// </summary>
public static partial class MemoryRetentionWire
{
    /// <summary>A century: long enough for any policy, short enough that "now minus the age" is always a valid time.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(36_500);

    private const string AgeFormats = "a number of days ('max_age_days': 30), or a duration ('max_age': \"30d\", \"12h\", \"90m\", \"2w\" or ISO-8601 \"P30D\")";

    /// <exception cref="MemoryInputException">No age, both ages, an age that is not positive or longer than a century, an unknown kind, a blank scope part.</exception>
    public static MemoryRetention ToPolicy(string customerId, MemoryRetentionRequestJson request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var age = (request.MaxAgeDays, request.MaxAge) switch
        {
            (null, null) => throw new MemoryInputException($"Say how long memories are kept: {AgeFormats}.", "max_age_days"),
            ({ }, { }) => throw new MemoryInputException("Give 'max_age_days' or 'max_age', not both.", "max_age"),
            ({ } days, null) => Days(days),
            (null, { } text) => ParseAge(text, "max_age"),
        };
        return new MemoryRetention(MemoryWire.Scope(customerId, request.UserId, request.AgentId, request.SessionId), age)
        {
            Kinds = MemoryWire.ParseKinds(request.Kinds),
        };
    }

    /// <summary>An age: <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>, <c>2w</c> (a number and a unit), or an ISO-8601 duration (<c>P30D</c>, <c>PT12H</c>).</summary>
    /// <exception cref="MemoryInputException">Not a duration, not positive, or longer than <see cref="MaxAge"/>.</exception>
    public static TimeSpan ParseAge(string? text, string param = "max_age")
    {
        var trimmed = text?.Trim() ?? "";
        var tooLong = MaxAge + TimeSpan.FromDays(1); // stands for any age past the limit, however far
        TimeSpan? age = null;
        if (ShortAge().Match(trimmed) is { Success: true } match
            && double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
        {
            var unit = match.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                _ => TimeSpan.FromDays(7),
            };
            age = n * unit.TotalDays > MaxAge.TotalDays ? tooLong : unit * n;
        }
        else if (trimmed.StartsWith('P') || trimmed.StartsWith("-P", StringComparison.Ordinal))
        {
            try
            {
                age = XmlConvert.ToTimeSpan(trimmed);
            }
            catch (FormatException)
            {
            }
            catch (OverflowException)
            {
                age = tooLong;
            }
        }

        return age switch
        {
            null => throw new MemoryInputException($"'{param}' must be a duration like \"30d\", \"12h\", \"90m\", \"2w\" or ISO-8601 \"P30D\", not '{text}'.", param),
            { } positive when positive <= TimeSpan.Zero => throw new MemoryInputException($"'{param}' must be longer than zero: memories younger than it are kept.", param),
            { } over when over > MaxAge => throw new MemoryInputException($"'{param}' must be at most {MaxAge.TotalDays:0} days.", param),
            { } ok => ok,
        };
    }

    public static MemoryRetentionJson ToJson(MemoryRetention policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new MemoryRetentionJson("memory.retention", policy.Scope.UserId, policy.Scope.AgentId, policy.Scope.SessionId,
            XmlConvert.ToString(policy.MaxAge), policy.MaxAge.TotalDays, [.. policy.Kinds.Select(MemoryWire.KindName)]);
    }

    /// <summary>An age as people write it: <c>30d</c>, <c>12h</c>, <c>1.5d</c>.</summary>
    public static string AgeText(TimeSpan age) =>
        age.Ticks % TimeSpan.TicksPerDay == 0 ? $"{age.TotalDays:0}d"
        : age.Ticks % TimeSpan.TicksPerHour == 0 ? $"{age.TotalHours:0}h"
        : age.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{age.TotalMinutes:0}m"
        : XmlConvert.ToString(age);

    private static TimeSpan Days(double days) => days switch
    {
        _ when !double.IsFinite(days) || days <= 0 => throw new MemoryInputException("'max_age_days' must be more than zero: memories younger than it are kept.", "max_age_days"),
        _ when days > MaxAge.TotalDays => throw new MemoryInputException($"'max_age_days' must be at most {MaxAge.TotalDays:0}.", "max_age_days"),
        _ => TimeSpan.FromDays(days),
    };

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<unit>[smhdwSMHDW])$")]
    private static partial Regex ShortAge();
}

/// <summary>PUT /v1/memories/retention: a scope (the key's customer, narrowed by the parts given) and how long it keeps memories.</summary>
public sealed record MemoryRetentionRequestJson
{
    public string? UserId { get; init; }

    public string? AgentId { get; init; }

    public string? SessionId { get; init; }

    /// <summary>Days a memory is kept after it was stored; or give <see cref="MaxAge"/>.</summary>
    public double? MaxAgeDays { get; init; }

    /// <summary>The same as a duration: <c>30d</c>, <c>12h</c>, ISO-8601 <c>P30D</c>.</summary>
    public string? MaxAge { get; init; }

    /// <summary>Only these kinds expire; all when absent or empty.</summary>
    public IReadOnlyList<string>? Kinds { get; init; }
}

/// <summary>A retention policy as the API shows it; <c>max_age</c> is ISO-8601.</summary>
public sealed record MemoryRetentionJson(
    [property: JsonPropertyName("object")] string ObjectType,
    string? UserId,
    string? AgentId,
    string? SessionId,
    string MaxAge,
    double MaxAgeDays,
    IReadOnlyList<string> Kinds);

public sealed record MemoryRetentionListJson([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<MemoryRetentionJson> Data);

/// <summary>What applying retention forgot: <see cref="Customer"/> is null when every customer's policies were applied.</summary>
public sealed record MemoryRetentionApplyJson(
    [property: JsonPropertyName("object")] string ObjectType,
    string? Customer,
    DateTimeOffset AppliedAt,
    int Deleted);
