using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>Drops the connection mid-response, as a crashed or cut-off upstream would.</summary>
internal static class ConnectionCut
{
    /// <summary>
    /// Kestrel's flush only hands bytes to its socket loop; aborting at once can discard them. A short pause lets
    /// what was "sent" really reach the client, so a test sees exactly the promised chunks and then the cut.
    /// </summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(20);

    public static async Task AbortAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Grace, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client left first; aborting is still right.
        }

        context.Abort();
    }
}
