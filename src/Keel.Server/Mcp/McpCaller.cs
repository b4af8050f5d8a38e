using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Keel.Server.Mcp;

/// <summary>
/// The customer a tool acts for. Over HTTP it is the API key's customer, carried as a claim on the request's user;
/// over stdio it is the one <c>keel mcp --customer</c> named (a <see cref="McpLocalCustomer"/> in the services). The
/// HTTP server registers no local customer, so a request without a key's claim can never act for anyone.
/// </summary>
internal static class McpCaller
{
    public const string CustomerClaim = "keel:customer_id";

    public const string AuthenticationType = "keel-api-key";

    public static ClaimsPrincipal Principal(string customerId, string keyId) =>
        new(new ClaimsIdentity([new Claim(CustomerClaim, customerId), new Claim(ClaimTypes.NameIdentifier, keyId)], AuthenticationType));

    /// <exception cref="McpException">Neither a key's customer nor a local one.</exception>
    public static string CustomerId(MessageContext request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.User?.FindFirst(CustomerClaim)?.Value is { Length: > 0 } customerId)
        {
            return customerId;
        }

        return (request.Services ?? request.Server.Services)?.GetService<McpLocalCustomer>()?.CustomerId
            ?? throw new McpException("This request carries no Keel API key: call /mcp with 'Authorization: Bearer keel_sk_...'.");
    }
}

/// <summary>The customer <c>keel mcp</c> (stdio) acts for: whoever can start the process can read its database anyway.</summary>
public sealed record McpLocalCustomer(string CustomerId);
