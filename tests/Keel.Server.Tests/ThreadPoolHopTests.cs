using Keel.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// Requests start on a socket thread (Kestrel's inline scheduling); only the chat route may run there. The middleware
/// is driven from a dedicated thread, which is what a socket event thread is: not a thread-pool thread.
/// </summary>
public sealed class ThreadPoolHopTests
{
    [Theory]
    [InlineData("/v1/models")]
    [InlineData("/v1/memories/search")]
    [InlineData("/api/tasks")]
    [InlineData("/v1/traces")]
    [InlineData("/v1/chat/completions/extra")]
    public async Task Every_route_but_chat_completions_runs_on_the_thread_pool(string path)
    {
        Assert.True(await RanOnThreadPoolAsync(path));
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/V1/Chat/Completions")] // routing matches paths case-insensitively
    public async Task Chat_completions_stay_on_the_thread_that_read_the_request(string path)
    {
        Assert.False(await RanOnThreadPoolAsync(path));
    }

    private static async Task<bool> RanOnThreadPoolAsync(string path)
    {
        var ranOnPool = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = path;
        var socketThread = new Thread(() => _ = ThreadPoolHop.InvokeAsync(context, _ =>
        {
            ranOnPool.TrySetResult(Thread.CurrentThread.IsThreadPoolThread);
            return Task.CompletedTask;
        }));
        socketThread.Start();
        return await ranOnPool.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
