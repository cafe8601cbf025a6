using System.Collections.Concurrent;

namespace Tako.Sse.Mvc.Sample.Chat;

/// <summary>
/// The open <c>/chat</c> streams, by the client id the page chose, so that the page's "drop connection" button
/// can cut its own stream from another request, as a lost network would.
/// </summary>
public sealed class ChatConnections
{
    private readonly ConcurrentDictionary<string, Connection> _open = new(StringComparer.Ordinal);

    /// <summary>Registers the stream of <paramref name="client"/> until its request ends.</summary>
    /// <param name="client">The client id.</param>
    /// <param name="context">The request of the stream.</param>
    public void Open(string client, HttpContext context)
    {
        var connection = new Connection(context);
        _open[client] = connection;
        context.Response.RegisterForDispose(new Closer(this, client, connection));
    }

    /// <summary>Aborts the open stream of <paramref name="client"/>, as a lost connection would.</summary>
    /// <param name="client">The client id.</param>
    /// <returns><see langword="true"/> when a stream was open.</returns>
    public bool Drop(string client) => _open.TryRemove(client, out var connection) && connection.Abort();

    // HttpContext objects are pooled: once the request has ended, aborting "its" context could cut another
    // request, so the abort and the end of the request exclude each other.
    private sealed class Connection(HttpContext context)
    {
        private readonly Lock _lock = new();
        private bool _ended;

        public bool Abort()
        {
            lock (_lock)
            {
                if (_ended)
                {
                    return false;
                }

                context.Abort();
                return true;
            }
        }

        public void End()
        {
            lock (_lock)
            {
                _ended = true;
            }
        }
    }

    private sealed class Closer(ChatConnections owner, string client, Connection connection) : IDisposable
    {
        public void Dispose()
        {
            connection.End();
            owner._open.TryRemove(KeyValuePair.Create(client, connection));
        }
    }
}
