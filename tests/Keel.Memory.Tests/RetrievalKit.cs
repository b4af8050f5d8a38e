using Keel.Memory.Embeddings;
using Keel.Memory.Retrieval;
using Keel.Storage.Sqlite;
using Xunit;

namespace Keel.Memory.Tests;

/// <summary>A memory service with the real MiniLM embeddings over a real SQLite store in a temporary folder.</summary>
internal sealed class RetrievalKit : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-memory-retrieval-tests-").FullName;

    private RetrievalKit()
    {
    }

    public SqliteKeelStore Store { get; private set; } = null!;

    public MemoryService Memory { get; private set; } = null!;

    public static DateTimeOffset T0 { get; } = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static async Task<RetrievalKit> CreateAsync(MemoryOptions? options = null, CancellationToken cancellationToken = default)
    {
        var kit = new RetrievalKit();
        kit.Store = await SqliteKeelStore.OpenAsync(Path.Combine(kit._folder, "keel.db"), cancellationToken: cancellationToken);
        kit.Memory = new MemoryService(kit.Store, new MiniLmEmbeddingGenerator(), options);
        return kit;
    }

    public static MemoryScope Scope(string user = "u1") => new("acme", userId: user);

    /// <summary>Stores turns of one session in order, a minute apart, with message ids 1, 2, 3...</summary>
    public async Task<IReadOnlyList<MemoryRecord>> SayAsync(MemoryScope scope, string session, params string[] turns)
    {
        var written = await Memory.AddAsync(
            [.. turns.Select((t, i) => new NewMemory(scope, MemoryKind.Episodic, t, new MemorySource(SessionId: session, MessageId: $"{i + 1}"), OccurredAt: T0.AddMinutes(i)))],
            TestContext.Current.CancellationToken);
        return [.. written.Select(w => w.Memory)];
    }

    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(MemoryFilter filter, string text, int limit = 5, MemoryScoring? scoring = null, int neighbours = 0) =>
        (await Memory.SearchAsync(new MemoryQuery(filter, text, limit) { Scoring = scoring, Neighbours = neighbours }, TestContext.Current.CancellationToken)).Hits;

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
