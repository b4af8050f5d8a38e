using Keel.Memory.Retrieval;
using Keel.Sessions;
using Keel.Storage.Sqlite;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Memory.Tests;

/// <summary>
/// A real SQLite store in a temporary folder, with one customer and helpers for the context assembly and ingestion
/// tests: saying things in sessions, storing memories and searching them without embeddings.
/// </summary>
internal sealed class ContextAssemblyKit : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-memory-context-tests-").FullName;

    private ContextAssemblyKit()
    {
    }

    public SqliteKeelStore Store { get; private set; } = null!;

    public string CustomerId { get; private set; } = null!;

    public static DateTimeOffset T0 { get; } = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static async Task<ContextAssemblyKit> CreateAsync(CancellationToken cancellationToken)
    {
        var kit = new ContextAssemblyKit();
        kit.Store = await SqliteKeelStore.OpenAsync(Path.Combine(kit._folder, "keel.db"), cancellationToken: cancellationToken);
        kit.CustomerId = (await kit.Store.EnsureCustomerAsync("acme", cancellationToken)).Id;
        return kit;
    }

    public async Task<string> NewSessionAsync(CancellationToken cancellationToken) =>
        (await Store.CreateSessionAsync(CustomerId, cancellationToken)).Id;

    /// <summary>Appends messages to a session, a minute apart from <paramref name="at"/>.</summary>
    public async Task<IReadOnlyList<SessionMessage>> SayAsync(string sessionId, IEnumerable<ChatMessage> messages, DateTimeOffset? at = null, string? taskId = null, CancellationToken cancellationToken = default)
    {
        var start = at ?? T0;
        var stored = messages.Select((m, i) => SessionMessages.From(m, sessionId, taskId, start.AddMinutes(i))).ToList();
        return await Store.AppendSessionMessagesAsync(CustomerId, sessionId, stored, cancellationToken);
    }

    public async Task<MemoryRecord> RememberAsync(string text, string? sessionId = null, string? messageId = null, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        var memory = new NewMemory(new MemoryScope(CustomerId, sessionId: sessionId), MemoryKind.Episodic, text, new MemorySource(sessionId, MessageId: messageId), OccurredAt: at ?? T0);
        return (await Store.AddMemoriesAsync([memory], cancellationToken))[0].Memory;
    }

    /// <summary>A search that answers the given memories, best first, whatever the query: the assembler's input made exact.</summary>
    public static Func<MemoryQuery, CancellationToken, Task<MemorySearchResult>> Hits(params MemoryRecord[] memories) =>
        (query, _) => Task.FromResult(new MemorySearchResult(
            [.. memories.Take(query.Limit).Select((m, i) => new MemoryHit(m, 1.0 / (i + 1), new MemoryScoreParts(null, null, 0, m.Importance)))],
            Approximate: false,
            TimeSpan.Zero));

    /// <summary>The tokens messages add to a prompt, counted independently of the assembler.</summary>
    public static int Count(IEnumerable<ChatMessage> messages) =>
        TokenCounter.O200k.CountPrompt(messages) - TokenCounter.O200k.CountPrompt([]);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
