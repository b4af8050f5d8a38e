using System.Runtime.ExceptionServices;
using Keel.Resilience;
using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.ChatClients;

/// <summary>
/// The one-step agent behind a <see cref="KeelChatClient"/> call made outside a task: it makes the call as the task's
/// only model step and keeps the answer, or the exception, for the caller (a failed task reports only a message).
/// </summary>
internal sealed class ImplicitChatAgent(string name, ResilientModelCaller models, string alias, IReadOnlyList<ChatMessage> messages, ChatOptions? options) : IAgent
{
    public string Name => name;

    public ChatResponse? Response { get; private set; }

    public ExceptionDispatchInfo? Error { get; private set; }

    public async Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken)
    {
        try
        {
            Response = await context.ChatAsync(models, alias, messages, options, cancellationToken).ConfigureAwait(false);
            return Response.Text;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Error = ExceptionDispatchInfo.Capture(ex);
            throw;
        }
    }
}
