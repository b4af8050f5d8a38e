using Xunit;

namespace Keel.Browser.Tests;

/// <summary>Where the screenshots of each page are kept as test artifacts, and how their paths are printed.</summary>
internal static class Screenshots
{
    /// <summary>TestResults/screenshots beside the test assembly; <c>KEEL_SCREENSHOTS</c> puts them elsewhere.</summary>
    public static string Directory { get; } = System.IO.Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("KEEL_SCREENSHOTS") is { Length: > 0 } path
            ? path
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots")).FullName;

    public static void Report(string path)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path} ({new FileInfo(path).Length:N0} bytes)");
    }
}
