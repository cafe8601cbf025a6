namespace Tako.Sse.Mvc;

/// <summary>
/// A first-in first-out ring of frames, bounded by a capacity, that grows by doubling up to it: a subscriber
/// that keeps up (the usual case) or a per-user channel holding one event costs a few slots, not the bound.
/// The one ring of the package: a subscriber's queue (<see cref="SseSubscriberBacklog"/>) and a channel's
/// history (<see cref="SseChannelHistory"/>) are both this.
/// </summary>
/// <remarks>
/// A mutable struct, so the ring costs its owner no object of its own: keep it in a field (never
/// <see langword="readonly"/>) or a local, and never copy it. Not thread-safe: its owner's lock guards it.
/// </remarks>
/// <param name="capacity">The most frames it holds.</param>
/// <param name="firstSize">The slots it takes for its first frame.</param>
internal struct SseFrameRing(int capacity, int firstSize = 4)
{
    private SseChannelFrame?[] _items = [];
    private int _head;
    private int _count;

    public readonly int Count => _count;

    public readonly int Capacity => capacity;

    public readonly bool IsFull => _count >= capacity;

    /// <summary>Gets the oldest frame; the ring must not be empty.</summary>
    public readonly SseChannelFrame Oldest => _items[_head]!;

    /// <summary>Gets the newest frame, or <see langword="null"/> when the ring is empty.</summary>
    public readonly SseChannelFrame? Newest => _count == 0 ? null : _items[(_head + _count - 1) % _items.Length];

    /// <summary>Gets the frame at <paramref name="position"/>, 0 being the oldest.</summary>
    public readonly SseChannelFrame this[int position] => _items[(_head + position) % _items.Length]!;

    /// <summary>Adds a frame after the newest; the ring must not be full.</summary>
    public void Enqueue(SseChannelFrame frame)
    {
        if (_count == _items.Length)
        {
            Grow(Math.Min(capacity, _items.Length == 0 ? firstSize : _items.Length * 2));
        }

        _items[(_head + _count) % _items.Length] = frame;
        _count++;
    }

    /// <summary>Takes the oldest frame out; the ring must not be empty. The slots stay, for the next frame.</summary>
    public SseChannelFrame Dequeue()
    {
        var frame = _items[_head]!;
        _items[_head] = null;
        _head = (_head + 1) % _items.Length;
        _count--;
        return frame;
    }

    /// <summary>Drops every frame and the slots: an emptied ring holds no array.</summary>
    public void Clear()
    {
        _items = [];
        _head = 0;
        _count = 0;
    }

    private void Grow(int size)
    {
        var items = new SseChannelFrame?[size];
        for (var i = 0; i < _count; i++)
        {
            items[i] = _items[(_head + i) % _items.Length];
        }

        _items = items;
        _head = 0;
    }
}
