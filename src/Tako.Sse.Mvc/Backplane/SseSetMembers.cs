namespace Tako.Sse.Mvc;

/// <summary>
/// The members of one <see cref="SseSubscriberSet"/>: each subscriber under its slot, with the number of the
/// last frame it was handed. Removal is O(1): the last member takes the leaving one's place, and each
/// subscriber keeps its own index (<see cref="SseSubscriberMembership.IndexOf"/>). Guarded by the set's lock;
/// only <see cref="Count"/> may be read without it.
/// </summary>
internal sealed class SseSetMembers
{
    private Member[] _items = [];
    private int _count;

    /// <summary>Gets the number of members; may be read without the set's lock.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the member at <paramref name="index"/>, below <see cref="Count"/>, to read or update.</summary>
    public ref Member this[int index] => ref _items[index];

    /// <summary>Adds a subscriber for the channel in its <paramref name="slot"/>, marked as handed every frame up to <paramref name="handed"/>.</summary>
    public void Add(SseSubscriber subscriber, int slot, int handed)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length == 0 ? 2 : _items.Length * 2);
        }

        subscriber.Membership.SetIndex(slot, _count);
        _items[_count] = new Member(subscriber, slot, handed);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Removes a subscriber (the last member takes its place); false when it was not here.</summary>
    public bool Remove(SseSubscriber subscriber, int slot)
    {
        var index = subscriber.Membership.IndexOf(slot);
        if (index < 0 || index >= _count || !ReferenceEquals(_items[index].Subscriber, subscriber))
        {
            return false;
        }

        var last = _count - 1;
        if (index != last)
        {
            var moved = _items[last];
            _items[index] = moved;
            moved.Subscriber.Membership.SetIndex(moved.Slot, index);
        }

        _items[last] = default;
        subscriber.Membership.SetIndex(slot, -1);
        Volatile.Write(ref _count, last);
        if (last == 0)
        {
            _items = [];
        }

        return true;
    }

    /// <summary>
    /// A member. Handed: the number of the last frame it was handed, or was marked as having had when it joined.
    /// 16 bytes, as a reference and a slot were before: the set of 19,000 is walked once per frame.
    /// </summary>
    internal struct Member(SseSubscriber subscriber, int slot, int handed)
    {
        public readonly SseSubscriber Subscriber = subscriber;
        public readonly int Slot = slot;
        public int Handed = handed;
    }
}
