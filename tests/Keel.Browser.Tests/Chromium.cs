using Microsoft.Playwright;

namespace Keel.Browser.Tests;

/// <summary>
/// Debian's Chromium, driven by Playwright's bundled driver. Playwright never downloads a browser here
/// (`playwright install` is never run): it launches the system executable, headless, with everything that would
/// reach the network switched off.
/// </summary>
internal static class Chromium
{
    /// <summary>Where Debian's `chromium` package puts it; <c>KEEL_CHROMIUM</c> points elsewhere.</summary>
    public static string ExecutablePath { get; } =
        Environment.GetEnvironmentVariable("KEEL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        if (!File.Exists(ExecutablePath))
        {
            // Fail, never skip: a machine without the browser would otherwise pass without testing the dashboard.
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}. The browser tests need Debian's package: " +
                "`apt-get install -y chromium` (.ci/run installs it), or set KEEL_CHROMIUM to another Chromium executable.");
        }

        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", // root in CI
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", // nothing but the server under test resolves
            ],
        });
    }
}
