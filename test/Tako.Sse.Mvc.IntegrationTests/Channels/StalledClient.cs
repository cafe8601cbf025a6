using System.Net.Sockets;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// An <see cref="HttpClient"/> whose sockets have a 4 KB receive buffer, so a test that stops reading its
/// response makes the server's writes back up after a few megabytes at most (kernel buffers, Kestrel's pipe),
/// instead of the client soaking everything up.
/// </summary>
internal static class StalledClient
{
    public static HttpClient Create(Uri baseAddress) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            {
                // Set before connecting, so the window the server sees is small from the start.
                ReceiveBufferSize = 4096,
            };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = baseAddress,
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
