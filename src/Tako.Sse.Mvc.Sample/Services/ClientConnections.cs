using System.Collections.Concurrent;

namespace Tako.Sse.Mvc.Sample.Services;

/// <summary>
/// The open streams of one endpoint, by the client id the page chose, so that the page's "drop connection"
/// button can end its own stream from another request. The stream ends as it does when the client leaves (its
/// <see cref="HttpContext.RequestAborted"/> fires); the browser sees the response end and reconnects. Each
/// endpoint has its own subclass, so that one client id names one stream per endpoint.
/// </summary>
public abstract class ClientConnections
{
    private readonly ConcurrentDictionary<string, Connection> _open = new(StringComparer.Ordinal);

    /// <summary>Registers the stream of <paramref name="client"/> until its request ends.</summary>
    /// <param name="client">The client id.</param>
    /// <param name="context">The request of the stream; its <see cref="HttpContext.RequestAborted"/> now also fires on a drop.</param>
    public void Open(string client, HttpContext context)
    {
        var connection = new Connection(context.RequestAborted);
        context.RequestAborted = connection.Token;
        if (_open.TryGetValue(client, out var previous))
        {
            // A page has one stream per endpoint: a new one with the same id replaces the old.
            previous.Drop();
        }

        _open[client] = connection;
        context.Response.RegisterForDispose(new Closer(this, client, connection));
    }

    /// <summary>Ends the open stream of <paramref name="client"/>.</summary>
    /// <param name="client">The client id.</param>
    /// <returns><see langword="true"/> when a stream was open.</returns>
    public bool Drop(string client) => _open.TryRemove(client, out var connection) && connection.Drop();

    // The drop and the end of the request exclude each other: a source is never cancelled once disposed.
    private sealed class Connection(CancellationToken requestAborted)
    {
        private readonly Lock _lock = new();
        private readonly CancellationTokenSource _drop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        private bool _ended;

        public CancellationToken Token => _drop.Token;

        public bool Drop()
        {
            lock (_lock)
            {
                if (_ended)
                {
                    return false;
                }

                _drop.Cancel();
                return true;
            }
        }

        public void End()
        {
            lock (_lock)
            {
                _ended = true;
                _drop.Dispose();
            }
        }
    }

    private sealed class Closer(ClientConnections owner, string client, Connection connection) : IDisposable
    {
        public void Dispose()
        {
            owner._open.TryRemove(KeyValuePair.Create(client, connection));
            connection.End();
        }
    }
}
