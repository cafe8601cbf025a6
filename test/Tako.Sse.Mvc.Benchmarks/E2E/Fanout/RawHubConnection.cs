using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// A SignalR client as cheap as a raw socket: a <see cref="ClientWebSocket"/> from a given loopback source
/// address that completes SignalR's JSON handshake, counts the invocation messages it receives (records that
/// start with <c>{"type":1,</c>) and answers nothing else; <see cref="PingAsync"/> sends the ping that keeps
/// the server from timing it out (SignalR drops a client it has not heard from in 30 s).
/// </summary>
internal sealed class RawHubConnection : IAsyncDisposable
{
    private static readonly byte[] s_handshake = "{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray();
    private static readonly byte[] s_ping = "{\"type\":6}\u001e"u8.ToArray();
    private static readonly byte[] s_invocation = "{\"type\":1,"u8.ToArray();

    private readonly ClientWebSocket _socket;
    private readonly Task _reader;
    private readonly SemaphoreSlim _sending = new(1, 1);

    private RawHubConnection(ClientWebSocket socket, Action<long> received, CancellationToken stop)
    {
        _socket = socket;
        _reader = ReadAsync(received, stop);
    }

    /// <summary>An invoker whose connections start from <paramref name="source"/> (port chosen by the kernel).</summary>
    public static HttpMessageInvoker CreateInvoker(IPAddress source) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(context.DnsEndPoint, token);
            return new NetworkStream(socket, ownsSocket: true);
        },
    });

    /// <summary>Connects, sends the handshake and returns once the server's handshake answer has arrived.</summary>
    public static async Task<RawHubConnection> OpenAsync(Uri url, HttpMessageInvoker invoker, Action<long> received, CancellationToken stop)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        await socket.ConnectAsync(new UriBuilder(url) { Scheme = "ws" }.Uri, invoker, stop);
        await socket.SendAsync(s_handshake, WebSocketMessageType.Text, endOfMessage: true, stop);
        var answer = new byte[64];
        var first = await socket.ReceiveAsync(answer, stop);
        if (first.Count < 3 || !answer.AsSpan(0, 3).SequenceEqual("{}\u001e"u8))
        {
            throw new InvalidOperationException("The SignalR handshake was not answered with {}.");
        }

        return new RawHubConnection(socket, received, stop);
    }

    public async Task PingAsync(CancellationToken token)
    {
        await _sending.WaitAsync(token);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(s_ping, WebSocketMessageType.Text, endOfMessage: true, token);
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _reader;
        _socket.Dispose();
        _sending.Dispose();
    }

    // Counts records that are invocations; a record's first bytes may arrive in separate reads.
    private async Task ReadAsync(Action<long> received, CancellationToken stop)
    {
        var buffer = new byte[4096];
        var matched = 0;
        var startOfRecord = true;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var invocations = 0L;
                foreach (var b in buffer.AsSpan(0, result.Count))
                {
                    if (b == 0x1e)
                    {
                        startOfRecord = true;
                        matched = 0;
                    }
                    else if (startOfRecord)
                    {
                        if (b != s_invocation[matched])
                        {
                            startOfRecord = false;
                        }
                        else if (++matched == s_invocation.Length)
                        {
                            invocations++;
                            startOfRecord = false;
                        }
                    }
                }

                if (invocations > 0)
                {
                    received(invocations);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Closed by us at the end of the run.
        }
    }
}
