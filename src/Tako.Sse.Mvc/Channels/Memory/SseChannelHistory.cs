namespace Tako.Sse.Mvc;

/// <summary>
/// A channel's recent frames, oldest first, in publish order (so in sequence order), bounded by a count. A
/// <see cref="SseFrameRing"/>, so a per-user channel holding one event costs one small array, not
/// <see cref="SseChannelOptions.HistorySize"/> slots. Not thread-safe: the channel's lock guards it.
/// </summary>
/// <remarks>
/// Every frame of the channel with a sequence above <see cref="Floor"/> is held, so a client's position (the
/// sequence of the last event it had, or of a position frame) is enough to resume it: what follows it is
/// exactly the held frames above it.
/// </remarks>
/// <param name="floor">
/// Where the channel's history starts when it is created: where the history of the last channel of that name
/// stood when it was removed (<see cref="SseChannelFloors"/>). A position below it may have missed events that
/// are gone, and gets a gap; one at or above it missed nothing.
/// </param>
internal sealed class SseChannelHistory(long floor = 0)
{
    private SseFrameRing _frames;

    public int Count => _frames.Count;

    /// <summary>Gets the sequence at or below which nothing is held any more (the last one to leave, or the creation floor).</summary>
    public long Floor { get; private set; } = floor;

    public SseChannelFrame? Newest => _frames.Newest;

    /// <summary>
    /// Appends a frame; the oldest one leaves when <paramref name="limit"/> frames are already held. Every call
    /// gives the same limit (the channel options' <see cref="SseChannelOptions.HistorySize"/>).
    /// </summary>
    public void Append(SseChannelFrame frame, int limit)
    {
        if (limit <= 0)
        {
            Floor = frame.Sequence;
            return;
        }

        if (_frames.Capacity != limit)
        {
            _frames = new SseFrameRing(limit, firstSize: 1);
        }

        while (_frames.Count >= limit)
        {
            RemoveOldest();
        }

        _frames.Enqueue(frame);
    }

    /// <summary>Removes the frames published before <paramref name="cutoff"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public void RemoveOlderThan(long cutoff)
    {
        while (_frames.Count > 0 && _frames.Oldest.Timestamp < cutoff)
        {
            RemoveOldest();
        }
    }

    /// <summary>
    /// Gets the frames published after the position <paramref name="sequence"/>, or <see langword="null"/> when
    /// the history no longer holds all of them (the position is below <see cref="Floor"/>).
    /// </summary>
    public SseChannelFrame[]? After(long sequence)
    {
        if (sequence < Floor)
        {
            return null;
        }

        // Sequences grow along the ring, so a binary search finds the first frame above the position.
        int low = 0, high = _frames.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_frames[middle].Sequence <= sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        var later = new SseChannelFrame[_frames.Count - low];
        for (var i = 0; i < later.Length; i++)
        {
            later[i] = _frames[low + i];
        }

        return later;
    }

    private void RemoveOldest()
    {
        Floor = _frames.Dequeue().Sequence;
        if (_frames.Count == 0)
        {
            // An emptied history holds no array: idle channels cost almost nothing until they are removed.
            _frames.Clear();
        }
    }
}
