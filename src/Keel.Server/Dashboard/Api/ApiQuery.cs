using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// Reads query-string parameters. An empty value counts as absent (a form's blank field); a malformed one is an
/// error naming the parameter, collected so the caller answers 400 once.
/// </summary>
internal sealed class ApiQuery(IQueryCollection query)
{
    public string? Error { get; private set; }

    public string? Text(string name) => query[name].ToString() is { Length: > 0 } value ? value.Trim() : null;

    public int Int(string name, int defaultValue, int min, int max)
    {
        if (Text(name) is not { } text)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Fail(name, $"a whole number from {min} to {max}");
            return defaultValue;
        }

        return value;
    }

    public decimal? Decimal(string name)
    {
        if (Text(name) is not { } text)
        {
            return null;
        }

        if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            Fail(name, "a number of US dollars, 0 or more");
            return null;
        }

        return value;
    }

    public long? Long(string name)
    {
        if (Text(name) is not { } text)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            Fail(name, "a whole number, 0 or more");
            return null;
        }

        return value;
    }

    /// <summary>An ISO-8601 time; one without an offset is taken as UTC.</summary>
    public DateTimeOffset? Time(string name)
    {
        if (Text(name) is not { } text)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            Fail(name, "an ISO-8601 time, like 2025-03-14T09:26:53Z");
            return null;
        }

        return value;
    }

    public T? Enum<T>(string name) where T : struct, System.Enum
    {
        if (Text(name) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) || !System.Enum.TryParse<T>(text, ignoreCase: true, out var value))
        {
            Fail(name, "one of " + string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant())));
            return null;
        }

        return value;
    }

    public void Fail(string name, string expected) => Error ??= $"'{name}' must be {expected}.";
}
