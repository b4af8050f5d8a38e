using System.Security.Cryptography;
using System.Text;

namespace Keel.Context;

/// <summary>
/// The exact context window of one model call, as an ordered list of message blobs. The snapshot itself holds
/// only hashes, so a task whose context grows step by step stores each message once.
/// </summary>
public sealed record ContextSnapshot(string Id, IReadOnlyList<ContentBlob> Messages)
{
    /// <summary>Builds a snapshot whose id is the hash of its message hashes, so equal windows share one id.</summary>
    public static ContextSnapshot FromMessages(IEnumerable<string> serializedMessages)
    {
        var blobs = serializedMessages.Select(ContentBlob.FromText).ToArray();
        var joined = string.Join('\n', blobs.Select(b => b.Hash));
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(joined)));
        return new ContextSnapshot(id, blobs);
    }
}
