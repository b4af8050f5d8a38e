using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>
/// <c>Retry-After</c> (seconds, as written in the spec, so possibly fractional) and OpenAI's millisecond
/// <c>retry-after-ms</c>, on 429 and 503: the two statuses clients are told to retry after a pause.
/// </summary>
internal static class RetryAfter
{
    public static void Apply(HttpResponse response, ScenarioSpec spec, int status)
    {
        if (spec.RetryAfter is { } seconds && status is 429 or 503)
        {
            response.Headers.RetryAfter = seconds;
            response.Headers["retry-after-ms"] = spec.RetryAfterMs.ToString(CultureInfo.InvariantCulture);
        }
    }
}
