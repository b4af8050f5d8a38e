using System.Globalization;
using System.Runtime.InteropServices;

namespace Keel.MockUpstream;

/// <summary>
/// <c>dotnet Keel.MockUpstream.dll [--port N] [--max-recorded N]</c>: prints one line,
/// <c>mock-upstream listening on http://127.0.0.1:PORT</c>, once it accepts requests, and runs until SIGTERM or Ctrl+C.
/// </summary>
public static class Program
{
    private const int DefaultPort = 18081;

    public static async Task<int> Main(string[] args)
    {
        var port = DefaultPort;
        int? maxRecorded = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && TryInt(args[i + 1], out var p) && p is >= 0 and <= 65535:
                    port = p;
                    i++;
                    break;
                case "--max-recorded" when i + 1 < args.Length && TryInt(args[i + 1], out var m) && m >= 0:
                    maxRecorded = m;
                    i++;
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"mock-upstream: bad argument '{args[i]}'.\n{Usage}");
                    return 2;
            }
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        MockUpstreamServer server;
        try
        {
            server = await MockUpstreamServer.StartAsync(port);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"mock-upstream: cannot listen on 127.0.0.1:{port}: {e.Message}");
            return 1;
        }

        await using (server)
        {
            if (maxRecorded is { } max)
            {
                server.MaxRecordedRequests = max;
            }

            Console.WriteLine($"mock-upstream listening on {server.BaseAddress.GetLeftPart(UriPartial.Authority)}");
            await stop.Task;
        }

        return 0;
    }

    private const string Usage =
        "usage: Keel.MockUpstream [--port N (default 18081, 0 = any free port)] [--max-recorded N (default 100000, 0 = off)]";

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
