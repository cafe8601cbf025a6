namespace Tako.Sse.Mvc;

/// <summary>
/// The subscribers of one channel on this instance: what a hub keeps per channel to fan a frame out. A hub
/// calls <see cref="Add"/>, <see cref="Remove"/> and <see cref="Deliver"/> under its per-channel lock, which
/// orders frames and joins (a subscriber added under it gets exactly the frames delivered after it), and then
/// <see cref="Drain"/> after that lock, which hands the delivered frames to the subscribers.
/// </summary>
/// <remarks>
/// <para>
/// Handing a frame to every subscriber is O(N), so it is not done under the hub's lock: publishers and joining
/// subscribers of a channel with 19,000 subscribers would wait for all of them. <see cref="Deliver"/> only
/// numbers the frame and queues it here; the first caller of <see cref="Drain"/> that finds no one delivering
/// becomes the deliverer and hands every queued frame, in order, to every subscriber, taking this set's own
/// lock for one batch of <see cref="BatchSize"/> subscribers at a time. A subscriber joins or leaves between
/// two batches. Each member remembers the number of the last frame it was handed, and one that joins is
/// marked as handed everything delivered before it: so a frame reaches every subscriber that was a member
/// when it was delivered exactly once (a leaving member's place is taken by the last one, which was handed the
/// frame already), and none that joined after it.
/// </para>
/// <para>
/// A caller of <see cref="Drain"/> that finds another thread delivering returns at once, its frames handed on
/// by that thread, unless more than <see cref="MaxQueued"/> frames wait: then it waits until they are fewer,
/// so publishers faster than the fan-out are held back instead of growing the queue.
/// </para>
/// <para>
/// Adding and removing count the <c>tako.sse.channel.subscribers</c> metric. A subscriber whose queue is full under
/// <see cref="SseSlowSubscriberPolicy.Disconnect"/> is removed by the deliverer itself, and disconnects itself off
/// the caller's thread.
/// </para>
/// <para>
/// A subscriber of several channels is in the set of each, once per channel, under its slot: the index of the
/// channel in its subscription, where it keeps its position in this set (<see cref="SseSubscriberMembership.IndexOf"/>).
/// </para>
/// </remarks>
internal sealed class SseSubscriberSet
{
    /// <summary>How many subscribers one batch of a delivery serves under this set's lock.</summary>
    public const int BatchSize = 256;

    /// <summary>How many delivered frames may wait for the deliverer before <see cref="Drain"/> holds a caller back.</summary>
    public const int MaxQueued = 64;

    // Guards everything below. Taken after the hub's per-channel lock, never before it.
    private readonly object _lock = new();
    private readonly Queue<SseChannelFrame> _queued = new();
    private Member[] _subscribers = [];
    private int _count;

    // The number of the last frame delivered (queued), and of the last one the deliverer has finished.
    // They wrap around after 2^32 frames; compared by their difference, which stays far from that.
    private int _delivered;
    private int _handed;
    private bool _draining;
    private int _waiting;

    // Adds and removes waiting for the lock (read without it).
    private int _joining;

    /// <summary>Gets the number of subscribers; may be read without the lock.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets or sets a callback run by the deliverer after each batch, outside the lock (tests only).</summary>
    internal Action? BatchHanded { get; set; }

    /// <summary>
    /// Under the hub's lock: adds a subscriber, for the channel in its <paramref name="slot"/> (0 for a single
    /// channel). It gets the frames delivered from now on, none delivered before.
    /// </summary>
    public void Add(SseSubscriber subscriber, int slot = 0)
    {
        Interlocked.Increment(ref _joining);
        lock (_lock)
        {
            Interlocked.Decrement(ref _joining);
            if (_count == _subscribers.Length)
            {
                Array.Resize(ref _subscribers, _subscribers.Length == 0 ? 2 : _subscribers.Length * 2);
            }

            subscriber.Membership.SetIndex(slot, _count);
            _subscribers[_count] = new Member(subscriber, slot, _delivered);
            Volatile.Write(ref _count, _count + 1);
        }

        subscriber.Context.Metrics.SubscriberAdded();
    }

    /// <summary>Removes a subscriber in O(1) (the last one takes its place); false when it was not here.</summary>
    public bool Remove(SseSubscriber subscriber, int slot = 0)
    {
        Interlocked.Increment(ref _joining);
        lock (_lock)
        {
            Interlocked.Decrement(ref _joining);
            return RemoveLocked(subscriber, slot);
        }
    }

    /// <summary>
    /// Under the hub's lock: delivers a frame, in the order of the calls, to every current subscriber. It reaches
    /// them once a <see cref="Drain"/> after the hub's lock has run.
    /// </summary>
    public void Deliver(SseChannelFrame frame)
    {
        lock (_lock)
        {
            _queued.Enqueue(frame);
            _delivered = unchecked(_delivered + 1);
        }
    }

    /// <summary>
    /// After the hub's lock: hands every delivered frame to the subscribers, unless another thread is doing so
    /// (see the remarks). One whose queue is full under the Disconnect policy is removed and disconnected
    /// (<see cref="SseSubscriber.TryEnqueue"/>).
    /// </summary>
    public void Drain()
    {
        lock (_lock)
        {
            if (_draining)
            {
                _waiting++;
                while (_draining && _queued.Count > MaxQueued)
                {
                    Monitor.Wait(_lock);
                }

                _waiting--;
                return;
            }

            if (_queued.Count == 0)
            {
                return;
            }

            _draining = true;
        }

        var done = false;
        try
        {
            HandAll();
            done = true;
        }
        finally
        {
            if (!done)
            {
                // A callback threw (a test's): whoever drains next goes on where this one stopped.
                lock (_lock)
                {
                    StopDraining();
                }
            }
        }
    }

    // Ends under the lock in the step that finds nothing queued, so a frame delivered just after is never left
    // with no one to hand it: its Drain then finds no deliverer and becomes it.
    private void HandAll()
    {
        while (true)
        {
            SseChannelFrame? frame;
            int number;
            int next;
            lock (_lock)
            {
                if (!_queued.TryPeek(out frame))
                {
                    StopDraining();
                    return;
                }

                number = unchecked(_handed + 1);
                next = _count;
            }

            // Backwards, so the member Remove moves into a leaving one's place has been handed the frame already.
            while (next > 0)
            {
                lock (_lock)
                {
                    next = Math.Min(next, _count);
                    var end = Math.Max(0, next - BatchSize);
                    for (var i = next - 1; i >= end; i--)
                    {
                        ref var member = ref _subscribers[i];
                        if (number - member.Handed <= 0)
                        {
                            continue;
                        }

                        member.Handed = number;
                        if (!member.Subscriber.TryEnqueue(frame))
                        {
                            var subscriber = member.Subscriber;
                            RemoveLocked(subscriber, member.Slot);
                            subscriber.Disconnect();
                        }
                    }

                    next = end;
                }

                BatchHanded?.Invoke();
                LetJoinersIn();
            }

            lock (_lock)
            {
                _queued.Dequeue();
                _handed = number;
                if (_waiting > 0)
                {
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }

    // Between two batches: a lock released and taken straight back is most often taken again by the same
    // thread, so a subscriber waiting to join or leave would wait for the whole fan-out after all. Give way
    // until the waiters are in (a bounded spin that ends in yields of this thread).
    private void LetJoinersIn()
    {
        var spin = default(SpinWait);
        while (Volatile.Read(ref _joining) > 0 && spin.Count < 40)
        {
            spin.SpinOnce();
        }
    }

    private void StopDraining()
    {
        _draining = false;
        if (_waiting > 0)
        {
            Monitor.PulseAll(_lock);
        }
    }

    private bool RemoveLocked(SseSubscriber subscriber, int slot)
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

    // Handed: the number of the last frame this member was handed, or was marked as having had when it joined.
    // 16 bytes, as a reference and a slot were before: the set of 19,000 is walked once per frame.
    private struct Member(SseSubscriber subscriber, int slot, int handed)
    {
        public readonly SseSubscriber Subscriber = subscriber;
        public readonly int Slot = slot;
        public int Handed = handed;
    }
}
