using System.Security.Cryptography;
using System.Text;
using Keel.Tasks;

namespace Keel.Access;

/// <summary>
/// Makes and checks key secrets. Secrets carry 192 random bits, so a plain SHA-256 is a safe store form (a slow
/// password hash buys nothing against guessing at that entropy, and would cost every request).
/// </summary>
public static class ApiKeySecrets
{
    public const string SecretPrefix = "keel_sk_";

    public static (ApiKey Key, string Secret) Create(string customerId, string? name, DateTimeOffset now)
    {
        var secret = SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', 'x').Replace('/', 'y');
        var key = new ApiKey
        {
            Id = KeelIds.New("key"),
            CustomerId = customerId,
            SecretHash = Hash(secret),
            Prefix = secret[..(SecretPrefix.Length + 6)],
            Name = name,
            CreatedAt = now,
        };
        return (key, secret);
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
