using System.Diagnostics.CodeAnalysis;
using Keel.Server.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Keel.Server.Mcp;

/// <summary>
/// Keel's MCP server: the memory and tool-state tools, over stdio (<c>keel mcp</c>) or streamable HTTP (<c>/mcp</c> on
/// <c>keel serve</c>).
/// </summary>
public static class KeelMcpServer
{
    public const string Path = "/mcp";

    /// <summary>Keel's tools and its name, on an MCP server being built (either transport).</summary>
    /// <remarks>
    /// The SDK finds a type's tools by reflection (the generic WithTools needs an instance type; these are static), so
    /// the two types' public methods are kept explicitly for the native (trimmed) build of keel.
    /// </remarks>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(MemoryTools))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(ToolStateTools))]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The tool types' public methods are kept by the DynamicDependency attributes.")]
    public static IMcpServerBuilder WithKeelTools(this IMcpServerBuilder builder) =>
        builder.WithTools([typeof(MemoryTools), typeof(ToolStateTools)]);

    /// <summary>The MCP server's identity, as clients see it after initialize.</summary>
    public static Implementation Identity { get; } = new()
    {
        Name = "keel",
        Title = "Keel memory and tool state",
        Version = typeof(KeelMcpServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
    };

    /// <summary>
    /// The HTTP transport, stateless: every request stands alone, so any Keel node behind a load balancer can answer
    /// it and nothing is held per client.
    /// </summary>
    public static IServiceCollection AddKeelMcpHttp(this IServiceCollection services)
    {
        services.AddMcpServer(options => options.ServerInfo = Identity)
            .WithHttpTransport(http => http.Stateless = true)
            .WithKeelTools();
        return services;
    }

    /// <summary>
    /// Maps <c>/mcp</c> behind the gateway's API keys: a request without a valid key gets the gateway's 401 and never
    /// reaches MCP; one with a key runs its tools as the key's customer.
    /// </summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments(Path))
            {
                var key = await http.RequestServices.GetRequiredService<ApiKeyAuthenticator>().AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
                if (key is null)
                {
                    return;
                }

                http.User = McpCaller.Principal(key.CustomerId, key.Id);
            }

            await next(http).ConfigureAwait(false);
        });
        app.MapMcp(Path);
    }
}
