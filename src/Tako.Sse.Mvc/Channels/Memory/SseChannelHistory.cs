namespace Tako.Sse.Mvc;

/// <summary>
/// A channel's recent frames, oldest first, in publish order (so in sequence order), bounded by a count. A
/// <see cref="SseFrameRing"/>, so a per-user channel holding one event costs one small array, not
/// <see cref="SseChannelOptions.HistorySize"/> slots. Not thread-safe: the channel's lock guards it.
/// </summary>
internal sealed class SseChannelHistory
{
    private SseFrameRing _frames;

    public int Count => _frames.Count;

    public SseChannelFrame? Newest => _frames.Newest;

    /// <summary>
    /// Appends a frame; the oldest one leaves when <paramref name="limit"/> frames are already held. Every call
    /// gives the same limit (the channel options' <see cref="SseChannelOptions.HistorySize"/>).
    /// </summary>
    public void Append(SseChannelFrame frame, int limit)
    {
        if (limit <= 0)
        {
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
    /// Gets the frames published after the one with <paramref name="sequence"/>, or <see langword="null"/> when
    /// the history does not hold that frame (trimmed, or never in this channel).
    /// </summary>
    public SseChannelFrame[]? After(long sequence)
    {
        // Sequences grow along the ring, so a binary search over the positions finds the frame.
        int low = 0, high = _frames.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var found = _frames[middle].Sequence;
            if (found == sequence)
            {
                var later = new SseChannelFrame[_frames.Count - middle - 1];
                for (var i = 0; i < later.Length; i++)
                {
                    later[i] = _frames[middle + 1 + i];
                }

                return later;
            }

            if (found < sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return null;
    }

    private void RemoveOldest()
    {
        _frames.Dequeue();
        if (_frames.Count == 0)
        {
            // An emptied history holds no array: idle channels cost almost nothing until they are removed.
            _frames.Clear();
        }
    }
}
