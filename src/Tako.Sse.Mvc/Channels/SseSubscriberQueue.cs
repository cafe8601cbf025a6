namespace Tako.Sse.Mvc;

/// <summary>
/// The frames waiting for one subscriber: a ring bounded by <see cref="SseChannelOptions.SubscriberQueueSize"/>
/// that grows by doubling, so a subscriber that keeps up (the usual case) holds a few slots, not the bound.
/// Not thread-safe: the subscriber's lock guards it.
/// </summary>
internal sealed class SseSubscriberQueue(int capacity)
{
    private SseChannelFrame?[] _items = [];
    private int _head;
    private int _count;

    public int Count => _count;

    public bool IsFull => _count >= capacity;

    public void Enqueue(SseChannelFrame frame)
    {
        if (_count == _items.Length)
        {
            Grow(Math.Min(capacity, _items.Length == 0 ? 4 : _items.Length * 2));
        }

        _items[(_head + _count) % _items.Length] = frame;
        _count++;
    }

    public SseChannelFrame Dequeue()
    {
        var frame = _items[_head]!;
        _items[_head] = null;
        _head = (_head + 1) % _items.Length;
        _count--;
        return frame;
    }

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
