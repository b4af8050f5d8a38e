using Microsoft.Extensions.AI;

namespace Keel.AgentFramework.Tests;

/// <summary>Remembers the messages of every call, to see what history the model was sent.</summary>
internal sealed class RecordingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private readonly List<List<ChatMessage>> _calls = [];

    public IReadOnlyList<List<ChatMessage>> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_calls)
        {
            _calls.Add([.. messages]);
        }

        return base.GetResponseAsync(messages, options, cancellationToken);
    }
}
