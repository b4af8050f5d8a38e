using Microsoft.Extensions.AI;

namespace Keel.Server.Upstreams;

/// <summary>
/// A streamed answer, event by event, in OpenAI chunk form. It tracks what the journal needs (usage, finish
/// reason, the assembled message) while the bytes pass through.
/// </summary>
public abstract class UpstreamStream : IAsyncDisposable
{
    protected UpstreamStream(StreamAccumulator accumulator)
    {
        Accumulator = accumulator;
    }

    public StreamAccumulator Accumulator { get; }

    /// <summary>The next chunk's JSON payload for the client, or null when the answer ended cleanly.</summary>
    /// <exception cref="Providers.ModelCallException">The stream broke off before its end.</exception>
    public abstract ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken);

    public UsageDetails? Usage => Accumulator.Usage;

    public abstract ValueTask DisposeAsync();
}
