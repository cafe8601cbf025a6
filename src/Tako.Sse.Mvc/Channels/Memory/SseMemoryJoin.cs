namespace Tako.Sse.Mvc;

/// <summary>
/// What a subscriber gets from one channel of the in-memory hub when it joins, decided under the channel's lock:
/// the frames it missed since its position, or a gap, or (joining live) the channel's position. A single channel
/// opens with its position; on a stream of several, the hub writes one position for all of them.
/// </summary>
/// <param name="Opening">A gap event or a position frame that goes out first, or <see langword="null"/>.</param>
/// <param name="Missed">The frames the client missed, oldest first, or <see langword="null"/>.</param>
/// <param name="GapReason">Why the client gets a gap (a <see cref="SseGapFrames"/> constant), or <see langword="null"/>.</param>
/// <param name="Position">The channel's position when it joined.</param>
internal readonly record struct SseMemoryJoin(SseChannelFrame? Opening, SseChannelFrame[]? Missed, string? GapReason, string Position)
{
    /// <summary>Under the channel's lock, its aged history trimmed: the join of a client at <paramref name="sequence"/>.</summary>
    public static SseMemoryJoin Of(
        SseMemoryChannel channel, SseEventIds ids, int historySize, SseGapFrames gaps, SseEventIdKind kind, long sequence, string? lastEventId, bool several)
    {
        var position = channel.History.Newest?.Id ?? ids.Format(channel.History.Floor);
        var name = several ? channel.Name : null;
        switch (kind)
        {
            // No history kept: every resume is a gap, as the option says (and as on Redis).
            case SseEventIdKind.Issued when historySize > 0 && channel.History.After(sequence) is { } missed:
                return new SseMemoryJoin(null, missed, null, position);
            case SseEventIdKind.Issued or SseEventIdKind.Unknown:
                // The gap's id is the channel's position, so the client's next reconnect asks from there.
                var reason = kind == SseEventIdKind.Issued ? SseGapFrames.Expired : SseGapFrames.Unknown;
                return new SseMemoryJoin(gaps.Create(lastEventId, reason, position, channel: name), null, reason, position);
            default:
                return new SseMemoryJoin(several ? null : SseChannelFrame.Position(position, null), null, null, position);
        }
    }

    /// <summary>Counts and logs a resume or a gap of <paramref name="channel"/>, after the lock.</summary>
    public void Report(SseSubscriberContext subscribers, string channel, SseEventIdKind kind)
    {
        if (GapReason is { } reason)
        {
            subscribers.GapSent(channel, reason);
        }
        else if (kind == SseEventIdKind.Issued)
        {
            subscribers.Resumed(channel, Missed?.Length ?? 0);
        }
    }
}
