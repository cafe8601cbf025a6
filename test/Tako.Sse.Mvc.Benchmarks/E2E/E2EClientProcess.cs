using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// The client of the idle-stream and keep-alive runs, in its own process so the server's memory and CPU
/// figures hold nothing of it: opens N HTTP/1.1 streams over raw sockets to 127.0.0.1, reads and discards
/// what arrives, prints <c>open N</c>, and closes everything when its standard input says so (or closes).
/// </summary>
internal static class E2EClientProcess
{
    public const string Verb = "e2e-client";

    // Connects in flight at once: stays well under Kestrel's accept backlog.
    private const int ConnectConcurrency = 64;

    /// <summary>Starts this executable as the client of <paramref name="url"/> with <paramref name="streams"/> streams.</summary>
    public static Process Start(Uri url, int streams)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            info.ArgumentList.Add(typeof(E2EClientProcess).Assembly.Location);
        }

        info.ArgumentList.Add(Verb);
        info.ArgumentList.Add(url.ToString());
        info.ArgumentList.Add(streams.ToString(CultureInfo.InvariantCulture));
        return Process.Start(info) ?? throw new InvalidOperationException("The client process did not start.");
    }

    /// <summary>Waits for the child to report its streams open; false if it died or took longer than the deadline.</summary>
    public static async Task<bool> WaitOpenAsync(Process client, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            while (await client.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("open ", StringComparison.Ordinal))
                {
                    return true;
                }

                Console.Error.WriteLine($"  client: {line}");
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }

    /// <summary>Tells the child to close its streams and waits for it to exit.</summary>
    public static async Task StopAsync(Process client)
    {
        try
        {
            await client.StandardInput.WriteLineAsync("close");
            await client.StandardInput.FlushAsync();
        }
        catch (IOException)
        {
            // Already gone.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await client.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            client.Kill();
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var streams = int.Parse(args[1], CultureInfo.InvariantCulture);
        var request = Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\n\r\n");
        var endpoint = new IPEndPoint(IPAddress.Loopback, url.Port);
        var sockets = new Socket[streams];
        var readers = new Task[streams];
        using var stop = new CancellationTokenSource();
        using var gate = new SemaphoreSlim(ConnectConcurrency);

        var connects = new Task[streams];
        for (var i = 0; i < streams; i++)
        {
            var index = i;
            await gate.WaitAsync();
            connects[i] = Task.Run(async () =>
            {
                try
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(endpoint);
                    await socket.SendAsync(request);
                    sockets[index] = socket;
                    readers[index] = DiscardAsync(socket, stop.Token);
                }
                finally
                {
                    gate.Release();
                }
            });
        }

        await Task.WhenAll(connects);
        Console.WriteLine($"open {streams}");
        await Console.In.ReadLineAsync();

        stop.Cancel();
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(readers);
        return 0;
    }

    // Reads what the server sends (headers, keep-alives) so nothing piles up in socket buffers.
    private static async Task DiscardAsync(Socket socket, CancellationToken token)
    {
        var buffer = new byte[512];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, token) > 0)
            {
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closed by us at the end of the run.
        }
    }
}
