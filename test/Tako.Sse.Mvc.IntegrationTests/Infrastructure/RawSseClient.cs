using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>
/// An HTTP/1.1 client on a bare socket with a small receive buffer, for what <see cref="HttpClient"/> does not
/// do: stop reading so the server's writes back up, then leave with a FIN or a RST.
/// </summary>
public sealed class RawSseClient : IDisposable
{
    private readonly Socket _socket;
    private Task? _reading;

    private RawSseClient(Socket socket) => _socket = socket;

    /// <summary>Sends GET <paramref name="path"/> and returns once the response headers have arrived; then reads nothing more.</summary>
    public static async Task<RawSseClient> OpenAsync(Uri baseAddress, string path, int receiveBufferSize = 4096)
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            // Set before connecting, so the window the server sees is small from the start.
            ReceiveBufferSize = receiveBufferSize,
        };
        var client = new RawSseClient(socket);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
            var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);

            // Byte by byte up to the blank line, so nothing of the body is consumed.
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 0)
                {
                    throw new InvalidOperationException($"The server closed the connection before the headers ended: '{head}'.");
                }

                head.Append((char)one[0]);
            }

            head.ToString().Should().StartWith("HTTP/1.1 200");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Reads (and drops) the body as fast as it comes, in the background, until the connection ends.</summary>
    public void StartReading() => _reading = Task.Run(async () =>
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The test reset the connection under the reader.
        }
    });

    /// <summary>Leaves politely: a FIN, without reading what the server had sent.</summary>
    public void SendFin() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Leaves abruptly: a RST (linger zero), dropping whatever was unread.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>Leaves abruptly (<see cref="Reset"/>) when <paramref name="reset"/>, politely (<see cref="SendFin"/>) otherwise.</summary>
    public void Leave(bool reset)
    {
        if (reset)
        {
            Reset();
        }
        else
        {
            SendFin();
        }
    }

    /// <summary>
    /// Reads (and drops) everything until the server closes or resets the connection; true if it did within
    /// <see cref="Poll.Deadline"/>.
    /// </summary>
    public async Task<bool> ServerClosedAsync()
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _reading?.Wait(Poll.Deadline);
    }
}
