namespace Tako.Sse.Mvc;

// Backplane support: a hub whose history lives elsewhere (Tako.Sse.Mvc.StackExchangeRedis reads it from a Redis
// stream) registers a subscriber at once, so its response opens and it queues every live frame, but learns what
// the client missed only after a round trip. Holding the subscriber keeps those missed frames ahead of the live ones.
internal sealed partial class SseSubscriber
{
    /// <summary>
    /// Gets what the response waits for before its headers go out (see <see cref="OpenAfter"/>), or
    /// <see langword="null"/>.
    /// </summary>
    public Task? Opening { get; private set; }

    /// <summary>
    /// Backplane support: called before the hub hands the subscriber out. The response opens (EventSource's
    /// <c>onopen</c>) only once <paramref name="opening"/>, which must never fault, has completed: a hub that
    /// learns where its channel stands only after a round trip can then promise every event published after
    /// <c>onopen</c>. Live frames queue meanwhile, as usual.
    /// </summary>
    public void OpenAfter(Task opening) => Opening = opening;

    /// <summary>
    /// Backplane support (Tako.Sse.Mvc.StackExchangeRedis): called right after <see cref="SseChannelHub.AddSubscriber"/>
    /// under the channel's lock, so no frame is queued yet. A held subscriber queues live frames as usual but
    /// hands none to its reader until <see cref="Release"/>: a hub whose history is remote learns only later
    /// what the client missed, and that must go out before the live frames.
    /// </summary>
    public void Hold()
    {
        lock (_gate)
        {
            _held = true;
        }
    }

    /// <summary>
    /// Backplane support: ends <see cref="Hold"/>. <paramref name="opening"/> and <paramref name="missed"/> go out
    /// first, as if given to the constructor; the queued frames for which <paramref name="alreadySent"/> is
    /// true (the client had them before it came here) are discarded.
    /// </summary>
    public void Release(SseChannelFrame? opening, SseChannelFrame[]? missed, Func<SseChannelFrame, bool>? alreadySent = null)
    {
        lock (_gate)
        {
            if (!_held)
            {
                return;
            }

            _held = false;
            _opening = opening;
            _missed = missed is { Length: > 0 } ? missed : null;
            if (alreadySent is not null)
            {
                // Rotating the ring once keeps the order of the frames that stay.
                for (var i = _queue.Count; i > 0; i--)
                {
                    var queued = _queue.Dequeue();
                    if (!alreadySent(queued))
                    {
                        _queue.Enqueue(queued);
                    }
                }
            }

            if (_opening is not null || _missed is not null || _queue.Count > 0 || _dropped > 0)
            {
                Wake(true);
            }
        }
    }
}
