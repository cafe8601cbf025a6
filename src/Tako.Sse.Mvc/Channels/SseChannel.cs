namespace Tako.Sse.Mvc;

/// <summary>
/// One channel on this instance: its history and its subscribers, both guarded by <see cref="Gate"/>. Holding
/// the lock while a frame is appended and handed to every subscriber is what makes history order the delivery
/// order, and what makes a new subscriber's history snapshot and its registration one atomic step.
/// </summary>
internal sealed class SseChannel(string name)
{
    private SseSubscriber[] _subscribers = [];
    private int _count;

    public string Name { get; } = name;

    public Lock Gate { get; } = new();

    /// <summary>Gets the history. A hub that keeps history elsewhere (a backplane) leaves it empty.</summary>
    public SseChannelHistory History { get; } = new();

    /// <summary>Gets the number of subscribers; read without the lock by <see cref="ISseHub.GetSubscriberCount"/>.</summary>
    public int SubscriberCount => Volatile.Read(ref _count);

    /// <summary>
    /// Gets or sets whether the channel has left the hub's table. Set under the lock; whoever finds it set
    /// after taking the lock looks the channel up again (the table may hold a new one by then).
    /// </summary>
    public bool Removed { get; set; }

    /// <summary>Gets whether nothing keeps the channel: no subscriber, no history.</summary>
    public bool IsEmpty => _count == 0 && History.Count == 0;

    public void Add(SseSubscriber subscriber)
    {
        if (_count == _subscribers.Length)
        {
            Array.Resize(ref _subscribers, _subscribers.Length == 0 ? 2 : _subscribers.Length * 2);
        }

        subscriber.Index = _count;
        _subscribers[_count] = subscriber;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Removes a subscriber in O(1) (the last one takes its place); false when it was not here.</summary>
    public bool Remove(SseSubscriber subscriber)
    {
        var index = subscriber.Index;
        if (index < 0 || index >= _count || !ReferenceEquals(_subscribers[index], subscriber))
        {
            return false;
        }

        var last = _count - 1;
        if (index != last)
        {
            _subscribers[index] = _subscribers[last];
            _subscribers[index].Index = index;
        }

        _subscribers[last] = null!;
        subscriber.Index = -1;
        Volatile.Write(ref _count, last);
        if (last == 0)
        {
            _subscribers = [];
        }

        return true;
    }

    /// <summary>
    /// Hands a frame to every subscriber. A subscriber whose queue is full under the Disconnect policy is
    /// removed here and added to <paramref name="refused"/>; the caller disconnects it after releasing the lock.
    /// </summary>
    public void Deliver(SseChannelFrame frame, ref List<SseSubscriber>? refused)
    {
        // Backwards, so the subscriber Remove moves into a refused one's slot has been served already.
        for (var i = _count - 1; i >= 0; i--)
        {
            var subscriber = _subscribers[i];
            if (!subscriber.TryEnqueue(frame))
            {
                Remove(subscriber);
                (refused ??= []).Add(subscriber);
            }
        }
    }
}
