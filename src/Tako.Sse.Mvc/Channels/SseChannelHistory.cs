namespace Tako.Sse.Mvc;

/// <summary>
/// A channel's recent frames, oldest first, in publish order (so in sequence order), bounded by a count. The
/// ring grows by doubling up to the bound, so a per-user channel holding one event costs one small array, not
/// <see cref="SseChannelOptions.HistorySize"/> slots. Not thread-safe: the channel's lock guards it.
/// </summary>
internal sealed class SseChannelHistory
{
    private SseChannelFrame[] _items = [];
    private int _head;
    private int _count;

    public int Count => _count;

    public SseChannelFrame? Newest => _count == 0 ? null : _items[(_head + _count - 1) % _items.Length];

    private SseChannelFrame Oldest => _items[_head];

    /// <summary>Appends a frame; the oldest one leaves when <paramref name="limit"/> frames are already held.</summary>
    public void Append(SseChannelFrame frame, int limit)
    {
        if (limit <= 0)
        {
            return;
        }

        while (_count >= limit)
        {
            RemoveOldest();
        }

        if (_count == _items.Length)
        {
            Grow(Math.Min(limit, _items.Length == 0 ? 1 : _items.Length * 2));
        }

        _items[(_head + _count) % _items.Length] = frame;
        _count++;
    }

    /// <summary>Removes the frames published before <paramref name="cutoff"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public void RemoveOlderThan(long cutoff)
    {
        while (_count > 0 && Oldest.Timestamp < cutoff)
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
        // Sequences grow along the ring, so a binary search over the logical positions finds the frame.
        int low = 0, high = _count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var found = At(middle).Sequence;
            if (found == sequence)
            {
                var later = new SseChannelFrame[_count - middle - 1];
                for (var i = 0; i < later.Length; i++)
                {
                    later[i] = At(middle + 1 + i);
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

    private SseChannelFrame At(int position) => _items[(_head + position) % _items.Length];

    private void RemoveOldest()
    {
        _items[_head] = null!;
        _head = (_head + 1) % _items.Length;
        _count--;
        if (_count == 0)
        {
            // An emptied history holds no array: idle channels cost almost nothing until they are removed.
            _items = [];
            _head = 0;
        }
    }

    private void Grow(int capacity)
    {
        var items = new SseChannelFrame[capacity];
        for (var i = 0; i < _count; i++)
        {
            items[i] = At(i);
        }

        _items = items;
        _head = 0;
    }
}
