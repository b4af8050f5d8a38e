using System.Security.Cryptography;
using System.Text;

namespace Keel.Context;

/// <summary>Content stored once under the SHA-256 of its bytes, however many snapshots refer to it.</summary>
public sealed record ContentBlob(string Hash, byte[] Content)
{
    public static ContentBlob FromText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return new ContentBlob(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes);
    }

    public string Text => Encoding.UTF8.GetString(Content);
}
