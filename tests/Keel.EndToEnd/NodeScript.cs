namespace Keel.EndToEnd;

/// <summary>
/// Runs one of the scripts in node/ (the official openai npm client) against a gateway: the script reads
/// BASE_URL and API_KEY, prints one JSON object on stdout, and exits non-zero when something it did not
/// expect is thrown.
/// </summary>
internal static class NodeScript
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<ProcessResult> RunAsync(string script, string baseUrl, string apiKey)
    {
        var environment = new Dictionary<string, string?>
        {
            ["BASE_URL"] = baseUrl,
            ["API_KEY"] = apiKey,
            ["NODE_NO_WARNINGS"] = "1",
            // The client must not pick up a developer's own settings.
            ["OPENAI_API_KEY"] = null,
            ["OPENAI_BASE_URL"] = null,
            ["OPENAI_LOG"] = null,
        };
        var path = Path.Combine(Programs.NodeScriptsDirectory, script);
        await using var process = ChildProcess.Start("node", [path], Programs.NodeScriptsDirectory, environment);
        var exitCode = await process.WaitForExitAsync(Timeout);
        return new ProcessResult(exitCode, process.Stdout, process.Stderr, process.Describe());
    }
}
