namespace Tako.Sse.Mvc;

/// <summary>
/// The subscribers of one channel on this instance: what a hub keeps per channel to fan a frame out. Not
/// thread-safe: the hub's per-channel lock guards it, and a hub holds that lock while it hands a frame to
/// <see cref="Deliver"/>, so every subscriber sees one order.
/// </summary>
/// <remarks>
/// <para>
/// Adding and removing count the <c>tako.sse.channel.subscribers</c> metric. A subscriber whose queue is full under
/// <see cref="SseSlowSubscriberPolicy.Disconnect"/> is removed by <see cref="Deliver"/> itself, and disconnects
/// itself off the caller's thread: the hub has nothing to do after the lock.
/// </para>
/// <para>
/// A subscriber of several channels is in the set of each, once per channel, under its slot: the index of the
/// channel in its subscription, where it keeps its position in this set (<see cref="SseSubscriberMembership.IndexOf"/>).
/// </para>
/// </remarks>
internal sealed class SseSubscriberSet
{
    private Member[] _subscribers = [];
    private int _count;

    /// <summary>Gets the number of subscribers; may be read without the lock.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a subscriber, for the channel in its <paramref name="slot"/> (0 for a single channel).</summary>
    public void Add(SseSubscriber subscriber, int slot = 0)
    {
        if (_count == _subscribers.Length)
        {
            Array.Resize(ref _subscribers, _subscribers.Length == 0 ? 2 : _subscribers.Length * 2);
        }

        subscriber.Membership.SetIndex(slot, _count);
        _subscribers[_count] = new Member(subscriber, slot);
        Volatile.Write(ref _count, _count + 1);
        subscriber.Context.Metrics.SubscriberAdded();
    }

    /// <summary>Removes a subscriber in O(1) (the last one takes its place); false when it was not here.</summary>
    public bool Remove(SseSubscriber subscriber, int slot = 0)
    {
        var index = subscriber.Membership.IndexOf(slot);
        if (index < 0 || index >= _count || !ReferenceEquals(_subscribers[index].Subscriber, subscriber))
        {
            return false;
        }

        var last = _count - 1;
        if (index != last)
        {
            var moved = _subscribers[last];
            _subscribers[index] = moved;
            moved.Subscriber.Membership.SetIndex(moved.Slot, index);
        }

        _subscribers[last] = default;
        subscriber.Membership.SetIndex(slot, -1);
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
            var (subscriber, slot) = _subscribers[i];
            if (!subscriber.TryEnqueue(frame))
            {
                Remove(subscriber, slot);
                subscriber.Disconnect();
            }
        }
    }

    private readonly record struct Member(SseSubscriber Subscriber, int Slot);
}
