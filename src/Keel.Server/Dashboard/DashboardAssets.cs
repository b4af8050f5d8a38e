using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Keel.Server.Dashboard;

/// <summary>
/// The dashboard's files, embedded in this assembly (<c>Dashboard/wwwroot</c>), so <c>dotnet run</c>, a published
/// binary and a test host all serve the same bytes with nothing to copy or find on disk. Loaded once: the whole UI
/// is a few dozen KB.
/// </summary>
/// <remarks>
/// Assets are served under <c>assets/{version}/</c>, where the version is a hash of every file, so a browser may
/// cache them for a year and still picks up a new build at once: <c>index.html</c> (never cached without a check)
/// names the new version. Modules import each other by relative paths, which stay under the same version.
/// </remarks>
internal sealed class DashboardAssets
{
    /// <summary>What <c>index.html</c> writes where the asset version goes.</summary>
    public const string VersionPlaceholder = "__KEEL_ASSET_VERSION__";

    private const string ResourcePrefix = "keel.dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".json"] = "application/json; charset=utf-8",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, DashboardAsset> _assets;

    private DashboardAssets(FrozenDictionary<string, DashboardAsset> assets, DashboardAsset index, string version)
    {
        _assets = assets;
        Index = index;
        Version = version;
    }

    /// <summary>The page every dashboard URL starts from (routing happens in the browser, after the <c>#</c>).</summary>
    public DashboardAsset Index { get; }

    /// <summary>A short hash of every file: the cache key in asset URLs.</summary>
    public string Version { get; }

    /// <summary>An asset by its path under <c>wwwroot</c> (<c>js/app.js</c>); null when there is none.</summary>
    public DashboardAsset? Find(string path) => _assets.GetValueOrDefault(path);

    public static DashboardAssets Load() => Load(typeof(DashboardAssets).Assembly);

    internal static DashboardAssets Load(Assembly assembly)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            // RecursiveDir uses the build machine's separator.
            files[name[ResourcePrefix.Length..].Replace('\\', '/')] = buffer.ToArray();
        }

        if (!files.TryGetValue("index.html", out var indexBytes))
        {
            throw new InvalidOperationException($"The dashboard's index.html is not embedded in {assembly.GetName().Name}; check the EmbeddedResource items of Keel.Server.csproj.");
        }

        var version = VersionOf(files);
        var assets = files
            .Where(f => f.Key != "index.html")
            .ToFrozenDictionary(f => f.Key, f => Asset(f.Key, f.Value), StringComparer.Ordinal);
        var index = Asset("index.html", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(indexBytes).Replace(VersionPlaceholder, version, StringComparison.Ordinal)));
        return new DashboardAssets(assets, index, version);
    }

    private static string VersionOf(SortedDictionary<string, byte[]> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, bytes) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path));
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    private static DashboardAsset Asset(string path, byte[] content) => new(
        content,
        ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream"),
        $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
}

/// <summary>One file's bytes, its media type and its entity tag.</summary>
internal sealed record DashboardAsset(byte[] Content, string ContentType, string ETag);
