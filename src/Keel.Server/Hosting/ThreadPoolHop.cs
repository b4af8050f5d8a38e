using Microsoft.AspNetCore.Builder;
using Keel.Server.Gateway;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Hosting;

/// <summary>
/// Kestrel runs Keel's requests inline on the socket threads (<c>UnsafePreferInlineScheduling</c>): a gateway call then
/// costs no thread-pool hand-offs, which on two cores cut the server's context switches per second by ~4x and its p99
/// added latency by ~0.4 ms (bench/results/gateway.md). The price of inline is that a request which blocks holds up every
/// other connection on its socket thread, so only the gateway's chat route, which does not block (keys, tasks and
/// budgets are cached and refreshed by short reads, steps go to the writer's queue), stays inline; every other request
/// (dashboard queries, memory and embeddings, OTLP ingest, MCP, billing) first moves to the thread pool here.
/// </summary>
internal static class ThreadPoolHop
{
    private static readonly PathString InlinePath = GatewayEndpoints.ChatCompletionsPath;

    public static void UseThreadPoolExceptForChat(this WebApplication app) => app.Use(InvokeAsync);

    internal static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // Case-insensitive, as routing matches paths.
        if (!context.Request.Path.Equals(InlinePath, StringComparison.OrdinalIgnoreCase))
        {
            // No synchronization context in ASP.NET Core, so the continuation is queued to the thread pool.
            await Task.Yield();
        }

        await next(context).ConfigureAwait(false);
    }
}
