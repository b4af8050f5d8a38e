using System.Security.Cryptography;
using System.Text;
using Keel.Storage;

namespace Keel.Memory.Retrieval;

/// <summary>
/// Approximate indexes saved next to the database (<c>&lt;db&gt;.memory/&lt;customer-hash&gt;-&lt;scope-hash&gt;.usearch</c>),
/// so a restart loads a large scope's index in milliseconds instead of building it for a minute. Each index file
/// has a <c>.keys</c> companion written after it: the keys it holds (a newer process adds the ones missing and drops
/// the ones gone rather than rebuilding), the parameters it was built with and the SHA-256 of the index file. An
/// index whose companion is missing, of other parameters or whose hash differs is not loaded. A customer's files are
/// deleted when any of its memories is forgotten: a saved index still holds removed vectors' data.
/// </summary>
internal sealed class IndexFiles
{
    private const long Magic = 0x315849564C45454B; // "KEELVIX1", little-endian
    private const int Version = 1;

    public IndexFiles(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Where a store that is a file keeps its indexes: <c>&lt;file&gt;.memory</c>; null for other stores.</summary>
    public static IndexFiles? For(IKeelStore store) =>
        store is IFileBackedStore { Path: var path } && File.Exists(path) ? new IndexFiles(path + ".memory") : null;

    /// <summary>The saved index of <paramref name="scope"/> and the keys it holds, or null when there is none usable.</summary>
    public (ApproximateIndex Index, HashSet<long> Keys)? TryLoad(MemoryScope scope, int dimensions)
    {
        var (indexPath, keysPath) = Paths(scope);
        try
        {
            if (!File.Exists(indexPath) || !File.Exists(keysPath))
            {
                return null;
            }

            using var reader = new BinaryReader(File.OpenRead(keysPath));
            if (reader.ReadInt64() != Magic || reader.ReadInt32() != Version || reader.ReadInt32() != dimensions
                || reader.ReadInt32() != (int)ApproximateIndex.Quantization || reader.ReadInt64() != (long)ApproximateIndex.Connectivity)
            {
                return null;
            }

            var hash = reader.ReadBytes(32);
            var count = reader.ReadInt32();
            var keys = new HashSet<long>(count);
            for (var i = 0; i < count; i++)
            {
                keys.Add(reader.ReadInt64());
            }

            if (!hash.AsSpan().SequenceEqual(Hash(indexPath)))
            {
                return null;
            }

            var index = ApproximateIndex.Load(indexPath);
            if (index.Count != keys.Count || index.Dimensions != dimensions)
            {
                index.Dispose();
                return null;
            }

            return (index, keys);
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or UnauthorizedAccessException or Cloud.Unum.USearch.USearchException)
        {
            return null;
        }
    }

    /// <summary>Saves an index and the keys it holds; a failure leaves no usable pair behind and is not an error.</summary>
    public bool TrySave(MemoryScope scope, ApproximateIndex index, IReadOnlyCollection<long> keys)
    {
        var (indexPath, keysPath) = Paths(scope);
        var temporary = $".{Guid.NewGuid():N}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            index.Save(indexPath + temporary);
            using (var writer = new BinaryWriter(File.Create(keysPath + temporary)))
            {
                writer.Write(Magic);
                writer.Write(Version);
                writer.Write(index.Dimensions);
                writer.Write((int)ApproximateIndex.Quantization);
                writer.Write((long)ApproximateIndex.Connectivity);
                writer.Write(Hash(indexPath + temporary));
                writer.Write(keys.Count);
                foreach (var key in keys)
                {
                    writer.Write(key);
                }
            }

            // The keys file is the commit point: it names the hash of the index it describes, so a reader that sees a
            // new index with old keys (or the reverse, another process saving at once) rejects the pair.
            File.Move(indexPath + temporary, indexPath, overwrite: true);
            File.Move(keysPath + temporary, keysPath, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Cloud.Unum.USearch.USearchException)
        {
            TryDelete(indexPath + temporary);
            TryDelete(keysPath + temporary);
            return false;
        }
    }

    /// <summary>Deletes a customer's saved indexes (their memories were forgotten: the files still hold the vectors).</summary>
    public void DeleteCustomer(string customerId)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, CustomerPrefix(customerId) + "-*"))
        {
            TryDelete(file);
        }
    }

    public (string Index, string Keys) Paths(MemoryScope scope)
    {
        var name = $"{CustomerPrefix(scope.CustomerId)}-{HashText(Canonical(scope))[..24]}";
        return (Path.Combine(Directory, name + ".usearch"), Path.Combine(Directory, name + ".keys"));
    }

    private static string CustomerPrefix(string customerId) => HashText(customerId)[..16];

    // Length-prefixed, so no id containing a separator can make two scopes one name.
    private static string Canonical(MemoryScope scope) =>
        string.Concat(new[] { scope.CustomerId, scope.UserId, scope.AgentId, scope.SessionId }.Select(p => p is null ? "-|" : $"{p.Length}:{p}|"));

    private static string HashText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static byte[] Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return SHA256.HashData(stream);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next save or delete.
        }
    }
}
