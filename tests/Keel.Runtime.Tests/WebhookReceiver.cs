using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Keel.Runtime.Tests;

/// <summary>
/// A tiny HTTP endpoint on 127.0.0.1 (any free port) that keeps the JSON body of every POST it receives and
/// answers 200 once the body is kept, so a sender that waited for its response can count on it being here.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(string Path, JsonElement Body)> _received = new();
    private readonly Task _loop;

    private WebhookReceiver()
    {
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hooks/budget";
        _loop = AcceptAsync();
    }

    public string Url { get; }

    public IReadOnlyList<JsonElement> Bodies => [.. _received.Select(r => r.Body)];

    public IReadOnlyList<string> Paths => [.. _received.Select(r => r.Path)];

    public static WebhookReceiver Start() => new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var lines = new List<string>();
            while (await ReadLineAsync(stream) is { Length: > 0 } line)
            {
                lines.Add(line);
            }

            string? Header(string name) => lines.Skip(1).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                .Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
            var body = new MemoryStream();
            if (Header("Content-Length") is { } length)
            {
                var bytes = new byte[int.Parse(length, CultureInfo.InvariantCulture)];
                await stream.ReadExactlyAsync(bytes, _stop.Token);
                body.Write(bytes);
            }
            else if (string.Equals(Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                // PostAsJsonAsync streams its body: chunks of "size-in-hex CRLF data CRLF", ending with size 0.
                while (int.Parse((await ReadLineAsync(stream)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) is var size and > 0)
                {
                    var bytes = new byte[size];
                    await stream.ReadExactlyAsync(bytes, _stop.Token);
                    body.Write(bytes);
                    await ReadLineAsync(stream);
                }

                while ((await ReadLineAsync(stream)).Length > 0)
                {
                    // trailers
                }
            }

            using (var document = JsonDocument.Parse(body.ToArray()))
            {
                _received.Enqueue((lines[0].Split(' ')[1], document.RootElement.Clone()));
            }

            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
            await stream.FlushAsync(_stop.Token);
        }
    }

    private async Task<string> ReadLineAsync(NetworkStream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, _stop.Token) == 1)
        {
            if (one[0] == (byte)'\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }

        return line.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
