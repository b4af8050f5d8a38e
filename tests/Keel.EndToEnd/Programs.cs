using System.Reflection;
using Keel.MockUpstream;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>Where the programs under test are: the built keel.dll, the mock's dll, the dotnet host, the node scripts.</summary>
internal static class Programs
{
    /// <summary>Copied next to the test assembly (with its runtimeconfig.json) because this project references the CLI.</summary>
    public static string KeelDll { get; } = Runnable(Path.Combine(AppContext.BaseDirectory, "keel.dll"));

    /// <summary>
    /// A keel binary to test instead of <c>dotnet keel.dll</c>: the native build, say
    /// (<c>KEEL_BIN=/tmp/keel-native/keel dotnet test tests/Keel.EndToEnd</c>). Empty when unset.
    /// </summary>
    public static string KeelBin { get; } =
        Environment.GetEnvironmentVariable("KEEL_BIN") is { Length: > 0 } bin ? Path.GetFullPath(bin) : "";

    /// <summary>The program that runs keel: <see cref="KeelBin"/> when set, else the dotnet host.</summary>
    public static string KeelFileName => KeelBin.Length > 0 ? KeelBin : DotnetHost;

    /// <summary>The arguments for <see cref="KeelFileName"/>: keel's own, after keel.dll for the dotnet host.</summary>
    public static string[] KeelArguments(params string[] arguments) => KeelBin.Length > 0 ? arguments : [KeelDll, .. arguments];

    /// <summary>Likewise copied next to the test assembly; located through the referenced assembly to be sure.</summary>
    public static string MockUpstreamDll { get; } = Runnable(typeof(MockUpstreamServer).Assembly.Location);

    /// <summary>The dotnet host running the tests (set by the dotnet CLI), else the one on PATH.</summary>
    public static string DotnetHost { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>tests/Keel.EndToEnd/node, where the scripts sit beside the node_modules that `npm ci` installed.</summary>
    public static string NodeScriptsDirectory { get; } =
        typeof(Programs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeScriptsDirectory").Value!;

    private static string Runnable(string dll)
    {
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references the project that builds it.");
        Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), $"{dll} has no runtimeconfig.json next to it.");
        return dll;
    }
}
