namespace Keel.Cli.Commands;

/// <summary>
/// Lets `keel serve` run socket completions on the sockets' own event threads instead of queueing each one to the thread
/// pool (the runtime's DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS switch). A gateway call is two sockets' worth of
/// small reads and writes, and on two cores the hop per completion cost ~8 % of the calls a second in the closed-loop
/// bench (bench/results/gateway.md), for ~0.05 ms more median latency. What runs inline is non-blocking: the chat route
/// does not block, and every other route moves to the thread pool first (Keel.Server's ThreadPoolHop).
/// </summary>
internal static class SocketCompletions
{
    private const string Switch = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns inline completions on unless the environment says otherwise (set the variable to 0 to keep the thread pool
    /// hop). System.Net.Sockets reads it once, when the first socket is made, so this runs before the server starts.
    /// </summary>
    public static void InlineUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(Switch) is null)
        {
            Environment.SetEnvironmentVariable(Switch, "1");
        }
    }
}
