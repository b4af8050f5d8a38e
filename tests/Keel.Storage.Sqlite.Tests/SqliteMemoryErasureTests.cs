using System.Runtime.InteropServices;
using System.Text;
using Keel.Memory;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>
/// An erasure request must leave nothing to recover: not the row, not a page of free space, not a full-text posting,
/// not a frame of the write-ahead log. These tests look at the bytes of the files themselves.
/// </summary>
public sealed class SqliteMemoryErasureTests : IDisposable
{
    private static readonly string[] Vocabulary =
        ["river", "garden", "meeting", "invoice", "holiday", "painting", "guitar", "kitchen", "bicycle", "letter", "morning", "station", "market", "window"];

    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ForgetMemoriesAsync_Scope_LeavesNoTraceOfItsTextOrVectorsInTheDatabaseFiles()
    {
        // Nothing else in the index starts with "zq", so even FTS5's prefix-compressed terms would keep this run whole.
        var marker = $"ZqErase{Guid.NewGuid():N}"[..24];
        var markerVector = MemoryMarshal.Cast<byte, float>(Encoding.ASCII.GetBytes($"VEC{marker}".PadRight(32, 'x')[..32])).ToArray();
        var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        try
        {
            var acme = await store.EnsureCustomerAsync("acme", Ct);
            var globex = await store.EnsureCustomerAsync("globex", Ct);
            var erased = new MemoryScope(acme.Id, "u_erase");
            await store.AddMemoriesAsync(
            [
                new NewMemory(erased, MemoryKind.Episodic, $"The code word is {marker} said Alice") { Embedding = markerVector },
                new NewMemory(erased, MemoryKind.Semantic, $"Alice's password hint is {marker}") { FactKey = "hint", ValidFrom = DateTimeOffset.UnixEpoch },
            ], Ct);

            // Other tenants' writes in many transactions: FTS5 merges its segments (copying the marker's postings), and
            // a supersession rewrites a row that holds the marker.
            for (var batch = 0; batch < 40; batch++)
            {
                await store.AddMemoriesAsync(
                    [.. Enumerable.Range(0, 50).Select(i => new NewMemory(new MemoryScope(globex.Id, $"u{i % 7}"), MemoryKind.Episodic, Sentence(batch * 50 + i)) { Embedding = new float[] { batch, i } })], Ct);
            }

            await store.AddMemoriesAsync([new NewMemory(erased, MemoryKind.Semantic, $"Alice's new hint is {marker} too") { FactKey = "hint" }], Ct);
            Assert.True(ContainsMarker(marker, markerVector), "the marker should be in the files before the erasure, or this test proves nothing");

            var removed = await store.ForgetMemoriesAsync(new MemoryForgetRequest(erased), Ct);

            Assert.Equal(3, removed.Count);
            Assert.False(ContainsMarker(marker, markerVector), "the marker survived the erasure while the store is open");
            Assert.Equal(2000, await store.CountMemoriesAsync(new MemoryFilter(new MemoryScope(globex.Id)), Ct));
            Assert.NotEmpty(await store.SearchMemoryTextAsync(new MemoryFilter(new MemoryScope(globex.Id)), "garden", 5, Ct));
        }
        finally
        {
            await store.DisposeAsync();
        }

        Assert.False(ContainsMarker(marker, markerVector), "the marker survived the erasure after the store closed");
        using var raw = _database.OpenRaw();
        RawSql.Execute(raw, "INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)");
        Assert.Equal(0L, RawSql.Scalar(raw, "SELECT count(*) FROM memories WHERE text LIKE '%zqerase%'"));
    }

    private static string Sentence(int n) =>
        $"{Vocabulary[n % Vocabulary.Length]} {Vocabulary[n * 7 % Vocabulary.Length]} note {n} about the {Vocabulary[n * 3 % Vocabulary.Length]}";

    /// <summary>The marker as typed, as the index lower-cases it, and the vector's bytes, in any file of the database.</summary>
    private bool ContainsMarker(string marker, float[] vector)
    {
        var needles = new[]
        {
            Encoding.UTF8.GetBytes(marker),
            Encoding.UTF8.GetBytes(marker.ToLowerInvariant()[2..20]),
            MemoryMarshal.AsBytes(vector.AsSpan()).ToArray(),
        };
        var folder = Path.GetDirectoryName(_database.Path)!;
        foreach (var file in Directory.GetFiles(folder, Path.GetFileName(_database.Path) + "*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            if (needles.Any(needle => bytes.AsSpan().IndexOf(needle) >= 0))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _database.Dispose();
}
