using System.Security.Cryptography;
using System.Text;

namespace Keel.Context;

/// <summary>
/// The exact context window of one model call, as an ordered list of message blobs. The snapshot itself holds
/// only hashes, so a task whose context grows step by step stores each message once.
/// </summary>
public sealed record ContextSnapshot(string Id, IReadOnlyList<ContentBlob> Messages)
{
    /// <summary>How many snapshots may chain through their bases before one is stored whole, bounding a read.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// An earlier snapshot whose messages begin this one (the same task's previous model call, as a context grows by
    /// appending): the store may keep only the hashes after them. Null stores the whole list.
    /// </summary>
    public string? BaseId { get; init; }

    /// <summary>How many leading messages come from <see cref="BaseId"/>.</summary>
    public int BaseLength { get; init; }

    /// <summary>How many bases a read walks through to rebuild this snapshot.</summary>
    public int Depth { get; init; }

    /// <summary>Builds a snapshot whose id is the hash of its message hashes, so equal windows share one id.</summary>
    /// <param name="previous">
    /// The snapshot of the previous call in the same conversation: when its messages begin this one, it becomes the
    /// base, so each step stores only what it added instead of a hash for every message of its window.
    /// </param>
    public static ContextSnapshot FromMessages(IEnumerable<string> serializedMessages, ContextSnapshot? previous = null)
    {
        var blobs = serializedMessages.Select(ContentBlob.FromText).ToArray();
        var joined = string.Join('\n', blobs.Select(b => b.Hash));
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(joined)));
        var snapshot = new ContextSnapshot(id, blobs);
        return previous is not null && previous.Id != id && previous.Depth < MaxDepth && StartsWith(blobs, previous.Messages)
            ? snapshot with { BaseId = previous.Id, BaseLength = previous.Messages.Count, Depth = previous.Depth + 1 }
            : snapshot;
    }

    private static bool StartsWith(ContentBlob[] messages, IReadOnlyList<ContentBlob> prefix)
    {
        if (prefix.Count > messages.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Count; i++)
        {
            if (messages[i].Hash != prefix[i].Hash)
            {
                return false;
            }
        }

        return true;
    }
}
