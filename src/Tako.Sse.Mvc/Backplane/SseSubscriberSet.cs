namespace Tako.Sse.Mvc;

/// <summary>
/// The subscribers of one channel on this instance: what a hub keeps per channel to fan a frame out. Not
/// thread-safe: the hub's per-channel lock guards it, and a hub holds that lock while it hands a frame to
/// <see cref="Deliver"/>, so every subscriber sees one order.
/// </summary>
/// <remarks>
/// Adding and removing count the <c>tako.sse.channel.subscribers</c> metric. A subscriber whose queue is full under
/// <see cref="SseSlowSubscriberPolicy.Disconnect"/> is removed by <see cref="Deliver"/> itself, and disconnects
/// itself off the caller's thread: the hub has nothing to do after the lock.
/// </remarks>
internal sealed class SseSubscriberSet
{
    private SseSubscriber[] _subscribers = [];
    private int _count;

    /// <summary>Gets the number of subscribers; may be read without the lock.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Add(SseSubscriber subscriber)
    {
        if (_count == _subscribers.Length)
        {
            Array.Resize(ref _subscribers, _subscribers.Length == 0 ? 2 : _subscribers.Length * 2);
        }

        subscriber.Index = _count;
        _subscribers[_count] = subscriber;
        Volatile.Write(ref _count, _count + 1);
        subscriber.Context.Metrics.SubscriberAdded();
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

        subscriber.Context.Metrics.SubscriberRemoved();
        return true;
    }

    /// <summary>
    /// Hands a frame to every subscriber. One whose queue is full under the Disconnect policy is removed and
    /// disconnected (<see cref="SseSubscriber.TryEnqueue"/>).
    /// </summary>
    public void Deliver(SseChannelFrame frame)
    {
        // Backwards, so the subscriber Remove moves into a refused one's slot has been served already.
        for (var i = _count - 1; i >= 0; i--)
        {
            var subscriber = _subscribers[i];
            if (!subscriber.TryEnqueue(frame))
            {
                Remove(subscriber);
                subscriber.Disconnect();
            }
        }
    }
}
