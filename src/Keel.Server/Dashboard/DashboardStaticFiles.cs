using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Keel.Server.Dashboard;

/// <summary>
/// Serves the dashboard's page at <c>/</c> and its files under <c>/assets/{version}/</c>. The page holds no data:
/// everything it shows comes from <c>/api/*</c>, which checks the caller's token, so the files themselves are
/// public. Other routes (<c>/api/*</c>, <c>/v1/*</c>) are not touched.
/// </summary>
public static class DashboardStaticFiles
{
    /// <summary>Scripts, styles and data only from this server; no inline code, no framing.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string Immutable = "public, max-age=31536000, immutable";

    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var assets = DashboardAssets.Load();
        endpoints.MapMethods("/", GetOrHead, (HttpContext http) => ServePageAsync(http, assets.Index));
        endpoints.MapMethods("/assets/{version}/{**path}", GetOrHead, (HttpContext http, string version, string? path) =>
        {
            if (path is null || assets.Find(path) is not { } asset)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            // A page from an older build may still ask for its version: give it today's file, but uncached.
            return ServeAsync(http, asset, version == assets.Version ? Immutable : "no-cache");
        });
    }

    private static Task ServePageAsync(HttpContext http, DashboardAsset page)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return ServeAsync(http, page, "no-cache");
    }

    private static Task ServeAsync(HttpContext http, DashboardAsset asset, string cacheControl)
    {
        var response = http.Response;
        response.Headers.CacheControl = cacheControl;
        response.Headers.ETag = asset.ETag;
        response.Headers.XContentTypeOptions = "nosniff";
        if (Matches(http.Request.Headers.IfNoneMatch, asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(http.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(asset.Content, http.RequestAborted).AsTask();
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag) =>
        EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
        && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false));
}
