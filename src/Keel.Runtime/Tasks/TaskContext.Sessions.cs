using System.Text;
using System.Text.Json;
using Keel.Context;
using Keel.Journal;
using Keel.Memory;
using Keel.Sessions;
using Microsoft.Extensions.AI;

namespace Keel.Tasks;

public sealed partial class TaskContext
{
    private const string HistoryStep = "session.history";
    private const string AppendStep = "session.append";

    /// <summary>
    /// The conversation of the task's session so far, bounded by <paramref name="policy"/>, as one journaled step:
    /// a resumed task starts from the very history it saw the first time, even if the session moved on meanwhile.
    /// With an <see cref="AgentRuntime.SessionContext"/> source, that source assembles it within the policy's
    /// token budget, searching memories with the task's input.
    /// </summary>
    /// <exception cref="InvalidOperationException">The task has no session.</exception>
    public async Task<IReadOnlyList<ChatMessage>> GetSessionHistoryAsync(SessionHistoryPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        var sessionId = RequireSession();
        policy ??= SessionHistoryPolicy.Default;
        var step = NextStep(StepKind.Step, HistoryStep);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded ? ReadHistory(recorded.Result) : throw new StepFailedException(Task.Id, recorded);
        }

        var start = _runtime.Time.GetUtcNow();
        IReadOnlyList<ChatMessage> history;
        try
        {
            if (_runtime.SessionContext is { } source)
            {
                var request = new SessionContextRequest(Task.CustomerId, sessionId, Task.Input, policy.MaxTokens)
                {
                    AgentId = Task.Agent, TaskId = Task.Id, MaxMessages = policy.MaxMessages,
                };
                history = await source.GetSessionContextAsync(request, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var stored = await _runtime.Store.GetSessionMessagesAsync(Task.CustomerId, sessionId, policy.MaxMessages, cancellationToken).ConfigureAwait(false);
                history = policy.Select(stored);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await CommitAsync(PlainStep(step.Seq, StepKind.Step, HistoryStep, start, result: null, ex)).ConfigureAwait(false);
            throw;
        }

        await CommitAsync(PlainStep(step.Seq, StepKind.Step, HistoryStep, start, WriteHistory(history), null)).ConfigureAwait(false);
        return history;
    }

    /// <summary>
    /// Adds messages to the task's session as one journaled step that carries them: they are written with the
    /// step, in its transaction, so a task that crashes and resumes adds them exactly once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The task has no session.</exception>
    public async Task AppendToSessionAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sessionId = RequireSession();
        var step = NextStep(StepKind.Step, AppendStep);
        if (step.Recorded is { } recorded)
        {
            if (recorded.Status != StepStatus.Succeeded)
            {
                throw new StepFailedException(Task.Id, recorded);
            }

            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var start = _runtime.Time.GetUtcNow();
        var added = messages.Select(m => SessionMessages.From(m, sessionId, Task.Id, start)).ToList();
        var commit = PlainStep(step.Seq, StepKind.Step, AppendStep, start, added.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), null);
        await CommitAsync(commit with { SessionMessages = added }).ConfigureAwait(false);
    }

    private string RequireSession() => Task.SessionId
        ?? throw new InvalidOperationException($"Task {Task.Id} has no session: start it with a session id to keep a conversation.");

    /// <summary>The history as a JSON array of canonical messages, readable in the journal as it is.</summary>
    private static string WriteHistory(IReadOnlyList<ChatMessage> history)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < history.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(MessageJson.Serialize(history[i]));
        }

        return json.Append(']').ToString();
    }

    private static List<ChatMessage> ReadHistory(string? json)
    {
        using var document = JsonDocument.Parse(json ?? "[]");
        return [.. document.RootElement.EnumerateArray().Select(m => MessageJson.Deserialize(m.GetRawText()))];
    }
}
