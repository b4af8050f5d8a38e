using System.Collections.Concurrent;
using System.Diagnostics;

namespace Keel.Bench.Observability;

/// <summary>
/// Server time of each request, as ASP.NET Core's hosting layer measures it: the duration of its request activity,
/// from the moment Kestrel hands the parsed request to the app until the response has been written. Requests are
/// sent one at a time, so durations arrive in request order.
/// </summary>
internal sealed class ServerTimer : IDisposable
{
    private const string HostingActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private readonly ActivityListener _listener;
    private readonly BlockingCollection<double> _durations = [];

    public ServerTimer()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == HostingActivity)
                {
                    _durations.Add(activity.Duration.TotalMilliseconds);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The server time of the next request that ended.</summary>
    public double Next() => _durations.TryTake(out var ms, TimeSpan.FromSeconds(30))
        ? ms
        : throw new InvalidOperationException("No request activity stopped within 30 s: is the hosting layer's ActivitySource listened to?");

    public void Dispose()
    {
        _listener.Dispose();
        _durations.Dispose();
    }
}
