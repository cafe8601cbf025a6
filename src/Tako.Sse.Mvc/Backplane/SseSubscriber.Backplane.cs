namespace Tako.Sse.Mvc;

/// <summary>
/// Backplane support of a subscriber, for a hub whose history is elsewhere: the response opens after the
/// round trip that places the channel, and live frames wait meanwhile.
/// </summary>
internal sealed partial class SseSubscriber
{
    /// <summary>
    /// Backplane support: called before the hub hands the subscriber out. The response opens (EventSource's
    /// <c>onopen</c>) only once <paramref name="opening"/>, which must never fault, has completed: a hub that
    /// learns where its channel stands only after a round trip can then promise every event published after
    /// <c>onopen</c>. Live frames queue meanwhile, as usual.
    /// </summary>
    public void OpenAfter(Task opening) => Opening = opening;

    /// <summary>
    /// Backplane support, right after the subscriber joined its set, under the channel's lock: it queues live
    /// frames but hands none out until <see cref="Release"/> (see <see cref="SseSubscriberBacklog.Hold"/>).
    /// </summary>
    public void Hold()
    {
        lock (_gate)
        {
            _backlog.Hold();
        }
    }

    /// <summary>Backplane support: ends <see cref="Hold"/> (see <see cref="SseSubscriberBacklog.Release"/>).</summary>
    public void Release(SseChannelFrame? opening, SseChannelFrame[]? missed, Func<SseChannelFrame, bool>? alreadySent = null)
    {
        lock (_gate)
        {
            if (_backlog.Release(opening, missed, alreadySent))
            {
                Wake(true);
            }
        }
    }
}
