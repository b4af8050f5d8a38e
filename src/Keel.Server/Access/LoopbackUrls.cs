using System.Net;
using Keel.Server.Configuration;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Access;

/// <summary>Whether the URLs a server listens on can only be reached from this machine.</summary>
public static class LoopbackUrls
{
    /// <summary>True when every URL (Kestrel's <c>;</c>-separated list) names a loopback host: localhost, 127.0.0.0/8 or ::1.</summary>
    public static bool All(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return list.Length > 0 && list.All(IsLoopback);
    }

    /// <exception cref="GatewayConfigException">Some URL is not loopback; the message names it.</exception>
    public static void RequireForInsecureLocal(string urls)
    {
        if (!All(urls))
        {
            throw new GatewayConfigException(
                $"--insecure-local serves the dashboard and its API without a token, so it listens on loopback only (127.0.0.1, [::1] or localhost), and '{urls}' is not. "
                + "Drop --insecure-local and sign in with the admin token, or listen on loopback.");
        }
    }

    private static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        if (address.IsNamedPipe || address.IsUnixPipe)
        {
            return false;
        }

        var host = address.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
