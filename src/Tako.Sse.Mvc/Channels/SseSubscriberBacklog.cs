namespace Tako.Sse.Mvc;

/// <summary>
/// The frames waiting for one subscriber's reader, in the order it gets them: the revoked events of channels a
/// re-check took away, the opening gap event, the frames missed since <c>Last-Event-ID</c> (a snapshot of the
/// history), a gap for frames dropped from the queue, then the queue of live frames, bounded by
/// <see cref="SseChannelOptions.SubscriberQueueSize"/>.
/// </summary>
/// <remarks>
/// A mutable struct inside <see cref="SseSubscriber"/> (no object of its own), guarded by the subscriber's lock.
/// The missed frames do not count against the queue's bound: they are the history's frames, already in memory,
/// and a resume after a long outage must not trip the slow-subscriber policy before the first write.
/// </remarks>
internal struct SseSubscriberBacklog(int queueSize)
{
    private SseFrameRing _queue = new(queueSize);
    private SseChannelFrame? _opening;
    private SseChannelFrame[]? _missed;
    private int _missedTaken;
    private long _dropped;
    private string? _lastDroppedId;
    private string? _lastDeliveredId;
    private bool _held;
    private List<SseChannelFrame>? _revoked;
    private List<string>? _revokedChannels;
    private bool _closed;

    /// <summary>Gets whether the reader has anything to take.</summary>
    public readonly bool HasFrames => _revoked is not null || _opening is not null || _missed is not null || _queue.Count > 0 || _dropped > 0;

    /// <summary>Gets whether the reader is held back (<see cref="Hold"/>): it takes nothing until <see cref="Release"/>.</summary>
    public readonly bool IsHeld => _held;

    /// <summary>Sets what goes out before the live frames: an opening gap event, or the frames the client missed.</summary>
    public void Open(SseChannelFrame? opening, SseChannelFrame[]? missed)
    {
        if (_closed)
        {
            return;
        }

        // A backplane may release a subscriber after a re-check revoked one of its channels.
        if (_revokedChannels is { } revoked)
        {
            opening = opening is not null && IsOf(opening, revoked) ? null : opening;
            missed = missed?.Where(frame => !IsOf(frame, revoked)).ToArray();
        }

        _opening = opening;
        _missed = missed is { Length: > 0 } ? missed : null;
        _missedTaken = 0;
    }

    /// <summary>
    /// A re-check took the channel of <paramref name="revoked"/> (its revoked event) away: the channel's frames
    /// still waiting are dropped (after the <paramref name="last"/> channel, every frame is), and the revoked
    /// event goes out next.
    /// </summary>
    public void Revoke(SseChannelFrame revoked, bool last)
    {
        (_revokedChannels ??= []).Add(revoked.Channel!);
        if (last)
        {
            _closed = true;
            _opening = null;
            _missed = null;
            _dropped = 0;
            _queue.Clear();
        }
        else
        {
            Open(_opening, _missed?[_missedTaken..]);
            var revokedChannels = _revokedChannels;
            Discard(frame => IsOf(frame, revokedChannels));
        }

        (_revoked ??= []).Add(revoked);
    }

    /// <summary>
    /// For a backplane, whose history is elsewhere: from now on live frames queue as usual but the reader takes
    /// none until <see cref="Release"/>, so what the client missed, known after a round trip, goes out first.
    /// </summary>
    public void Hold() => _held = true;

    /// <summary>
    /// Ends <see cref="Hold"/>: <paramref name="opening"/> and <paramref name="missed"/> go out first, as if given
    /// to <see cref="Open"/>, and the queued frames for which <paramref name="alreadySent"/> is true (the client had
    /// them before it came here) are discarded. True when the reader has something to take now; false also when
    /// it was not held.
    /// </summary>
    public bool Release(SseChannelFrame? opening, SseChannelFrame[]? missed, Func<SseChannelFrame, bool>? alreadySent)
    {
        if (!_held)
        {
            return false;
        }

        _held = false;
        Open(opening, missed);
        if (alreadySent is not null)
        {
            Discard(alreadySent);
        }

        return HasFrames;
    }

    /// <summary>
    /// Queues a live frame under the slow-subscriber policy of <paramref name="context"/>'s options. A full queue
    /// drops its oldest frame (<see cref="SseSlowSubscriberPolicy.DropOldest"/>, counted) or, under
    /// <see cref="SseSlowSubscriberPolicy.Disconnect"/>, is cleared and refuses the frame: false, the subscriber is cut.
    /// </summary>
    public bool TryEnqueue(SseChannelFrame frame, SseSubscriberContext context)
    {
        if (_queue.IsFull)
        {
            if (context.Options.SlowSubscriberPolicy == SseSlowSubscriberPolicy.Disconnect)
            {
                Clear();
                return false;
            }

            DropOldest();
            context.Metrics.Dropped();
        }

        _queue.Enqueue(frame);
        return true;
    }

    /// <summary>
    /// Drops the oldest queued frame (<see cref="SseSlowSubscriberPolicy.DropOldest"/>). The dropped frames sit just
    /// before the oldest one still queued, so the gap event goes out before it: the reader sees the run of frames
    /// it got, a gap, then frames that follow on.
    /// </summary>
    private void DropOldest()
    {
        _lastDroppedId = _queue.Dequeue().Id;
        _dropped++;
    }

    /// <summary>Discards the queued frames for which <paramref name="alreadySent"/> is true, keeping the others' order.</summary>
    public void Discard(Func<SseChannelFrame, bool> alreadySent)
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

    /// <summary>Drops every live frame and the queue's slots.</summary>
    public void Clear() => _queue.Clear();

    /// <summary>Takes the next frame for the reader, counting it (and logging a gap) in <paramref name="context"/>.</summary>
    public bool TryTake(SseSubscriberContext context, string channel, out SseChannelFrame frame)
    {
        if (_held)
        {
            frame = null!;
            return false;
        }

        if (_revoked is { } revoked)
        {
            frame = revoked[0];
            revoked.RemoveAt(0);
            _revoked = revoked.Count == 0 ? null : revoked;
            return true;
        }

        if (_opening is { } opening)
        {
            _opening = null;
            frame = opening;
            return true;
        }

        if (_missed is { } missed)
        {
            frame = missed[_missedTaken];
            missed[_missedTaken++] = null!;
            if (_missedTaken == missed.Length)
            {
                _missed = null;
            }

            Delivered(context, frame);
            return true;
        }

        if (_dropped > 0)
        {
            frame = context.Gaps.Create(_lastDeliveredId, SseGapFrames.Dropped, _lastDroppedId!, _dropped);
            context.Metrics.GapSent(SseGapFrames.Dropped);
            Log.EventsDropped(context.Logger, channel, _dropped);
            _dropped = 0;
            return true;
        }

        if (_queue.Count > 0)
        {
            frame = _queue.Dequeue();
            Delivered(context, frame);
            return true;
        }

        frame = null!;
        return false;
    }

    private static bool IsOf(SseChannelFrame frame, List<string> channels) =>
        frame.Channel is { } channel && channels.Contains(channel, StringComparer.Ordinal);

    private void Delivered(SseSubscriberContext context, SseChannelFrame frame)
    {
        if (!frame.IsEvent)
        {
            return;
        }

        _lastDeliveredId = frame.Id;
        context.Metrics.Delivered();
    }
}
