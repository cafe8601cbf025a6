using System.Collections.Concurrent;

namespace Tako.Sse.Mvc.Sample.Services;

/// <summary>
/// The open <c>/resume</c> streams, by the client id the page chose, so the page's "drop connection" button can
/// end its own stream from another request.
/// </summary>
public sealed class ResumeConnections
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _open = new(StringComparer.Ordinal);

    /// <summary>Registers the stream of <paramref name="client"/>; a stream it replaces is dropped.</summary>
    /// <param name="client">The client id.</param>
    /// <returns>The source whose token fires when the stream is dropped; pass it back to <see cref="Close"/>.</returns>
    public CancellationTokenSource Open(string client)
    {
        var drop = new CancellationTokenSource();
        _open.AddOrUpdate(client, drop, (_, previous) =>
        {
            previous.Cancel();
            return drop;
        });
        return drop;
    }

    /// <summary>Forgets the stream of <paramref name="client"/> when it ends, unless a newer one replaced it.</summary>
    /// <param name="client">The client id.</param>
    /// <param name="drop">The source <see cref="Open"/> returned.</param>
    public void Close(string client, CancellationTokenSource drop)
    {
        // Not disposed: a source without a timer holds nothing to release, and Drop may still be cancelling it.
        _open.TryRemove(KeyValuePair.Create(client, drop));
    }

    /// <summary>Ends the open stream of <paramref name="client"/>.</summary>
    /// <param name="client">The client id.</param>
    /// <returns><see langword="true"/> when a stream was open.</returns>
    public bool Drop(string client)
    {
        if (!_open.TryRemove(client, out var drop))
        {
            return false;
        }

        drop.Cancel();
        return true;
    }
}
