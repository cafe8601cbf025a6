namespace Tako.Sse.Mvc;

/// <summary>
/// The subscribers of one channel on this instance: what a hub keeps per channel to fan a frame out. A hub
/// calls <see cref="Add"/>, <see cref="Remove"/> and <see cref="Deliver"/> under its per-channel lock, which
/// orders frames and joins (a subscriber added under it gets exactly the frames delivered after it), and then
/// <see cref="DrainAsync"/> after that lock, which has the delivered frames handed to the subscribers.
/// </summary>
/// <remarks>
/// <para>
/// Handing a frame to every subscriber is O(N), so it is not done under the hub's lock: publishers and joining
/// subscribers of a channel with 19,000 subscribers would wait for all of them. <see cref="Deliver"/> only
/// numbers the frame and queues it here; the first caller of <see cref="DrainAsync"/> that finds no one
/// delivering starts the deliverer, which hands out the queued frames pass after pass until none is left.
/// A pass takes every frame queued when it starts and goes through the subscribers once, handing each one all
/// of them under one lock of the subscriber and one wake of its reader, and taking this set's own lock for one
/// batch of <see cref="BatchSize"/> subscribers at a time. A subscriber joins or leaves between two batches.
/// Each member remembers the number of the last frame it was handed, and one that joins is marked as handed
/// everything delivered before it: so a frame reaches every subscriber that was a member when it was
/// delivered exactly once (a leaving member's place is taken by the last one, which was handed the frame
/// already), and none that joined after it.
/// </para>
/// <para>
/// For a set of more than <see cref="InlineLimit"/> subscribers the deliverer runs on the thread pool, and the
/// publisher gets its thread back at once: a publisher that keeps publishing then runs ahead of the fan-out,
/// and the next pass hands each subscriber several frames, which its response sends in one write. Handed one
/// frame per pass, as when each publisher delivered its own frame before returning, 5,000 responses made
/// one write for every 3 to 6 frames, and the fan-out spent twice the CPU per delivery of a bare endpoint
/// that sends the same frames from a shared buffer (see docs/performance.md). A smaller set is served by its
/// publisher, before <see cref="DrainAsync"/> returns: one batch costs less than the hop.
/// </para>
/// <para>
/// A caller of <see cref="DrainAsync"/> that finds the deliverer at work returns at once, its frames handed
/// on by the deliverer, unless more than <see cref="MaxQueued"/> frames wait: then its task completes only once
/// they are fewer, so publishers faster than the fan-out are held back, without blocking a thread, instead of
/// growing the queue.
/// </para>
/// <para>
/// Adding and removing count the <c>tako.sse.channel.subscribers</c> metric. A subscriber whose queue is full under
/// <see cref="SseSlowSubscriberPolicy.Disconnect"/> is removed by the deliverer itself, and disconnects itself off
/// the deliverer's thread.
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

    /// <summary>How many delivered frames may wait for the deliverer before <see cref="DrainAsync"/> holds a caller back.</summary>
    public const int MaxQueued = 64;

    /// <summary>The most subscribers a set's publisher hands frames to itself; a larger set's deliverer runs on the thread pool.</summary>
    public const int InlineLimit = BatchSize;

    // Guards everything below. Taken after the hub's per-channel lock, never before it.
    private readonly object _lock = new();
    private readonly Queue<SseChannelFrame> _queued = new();
    private readonly SseSetMembers _members = new();

    // The frames of the deliverer's current pass when it has several (only the deliverer touches it).
    private SseChannelFrame[] _pass = [];

    // The number of the last frame delivered (queued), and of the last one the deliverer has finished.
    // They wrap around after 2^32 frames; compared by their difference, which stays far from that.
    private int _delivered;
    private int _handed;
    private bool _draining;

    // Completed, and cleared, once the frames waiting for the deliverer are no more than MaxQueued.
    private TaskCompletionSource? _room;

    // Adds and removes waiting for the lock (read without it).
    private int _joining;

    /// <summary>Gets the number of subscribers; may be read without the lock.</summary>
    public int Count => _members.Count;

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
            _members.Add(subscriber, slot, _delivered);
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
    /// them once a <see cref="DrainAsync"/> after the hub's lock has run.
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
    /// After the hub's lock: has every delivered frame handed to the subscribers, unless another thread is doing
    /// so already (see the remarks). One whose queue is full under the Disconnect policy is removed and
    /// disconnected (<see cref="SseSubscriber.TryEnqueue"/>). The task completes at once, unless more than
    /// <see cref="MaxQueued"/> frames wait for the deliverer: then it completes once they are fewer.
    /// </summary>
    public ValueTask DrainAsync()
    {
        lock (_lock)
        {
            if (_draining)
            {
                if (_queued.Count <= MaxQueued)
                {
                    return ValueTask.CompletedTask;
                }

                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return new ValueTask(_room.Task);
            }

            if (_queued.Count == 0)
            {
                return ValueTask.CompletedTask;
            }

            _draining = true;
            if (_members.Count > InlineLimit)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static set => set.RunDeliverer(), this, preferLocal: false);
                return ValueTask.CompletedTask;
            }
        }

        RunDeliverer();
        return ValueTask.CompletedTask;
    }

    /// <summary>Gets whether every delivered frame has been handed out (tests only).</summary>
    internal bool IsIdle
    {
        get
        {
            lock (_lock)
            {
                return !_draining && _queued.Count == 0;
            }
        }
    }

    private bool RemoveLocked(SseSubscriber subscriber, int slot)
    {
        if (!_members.Remove(subscriber, slot))
        {
            return false;
        }

        subscriber.Context.Metrics.SubscriberRemoved();
        return true;
    }

    // The deliverer, on the caller's thread or the thread pool's.
    private void RunDeliverer()
    {
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
    // with no one to hand it: its DrainAsync then finds no deliverer and starts one.
    private void HandAll()
    {
        while (true)
        {
            int count;
            int first;
            int next;
            SseChannelFrame? single = null;
            lock (_lock)
            {
                count = _queued.Count;
                if (count == 0)
                {
                    StopDraining();
                    return;
                }

                // One frame (the usual case of a quiet channel) needs no array.
                if (count == 1)
                {
                    single = _queued.Peek();
                }
                else
                {
                    if (_pass.Length < count)
                    {
                        _pass = new SseChannelFrame[Math.Max(count, _pass.Length * 2)];
                    }

                    _queued.CopyTo(_pass, 0);
                }

                first = unchecked(_handed + 1);
                next = _members.Count;
            }

            ReadOnlySpan<SseChannelFrame> pass = count == 1 ? new(ref single!) : _pass.AsSpan(0, count);
            var last = unchecked(first + count - 1);

            // Backwards, so the member Remove moves into a leaving one's place has been handed the frames already.
            while (next > 0)
            {
                lock (_lock)
                {
                    next = Math.Min(next, _members.Count);
                    var end = Math.Max(0, next - BatchSize);
                    for (var i = next - 1; i >= end; i--)
                    {
                        ref var member = ref _members[i];
                        var had = unchecked(member.Handed - first + 1);
                        if (had >= count)
                        {
                            continue;
                        }

                        member.Handed = last;
                        if (!member.Subscriber.TryEnqueue(pass[Math.Max(had, 0)..]))
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

            // The frames are the history's and the queues' to keep, not the pass array's.
            if (count > 1)
            {
                Array.Clear(_pass, 0, count);
            }
            lock (_lock)
            {
                for (var i = 0; i < count; i++)
                {
                    _queued.Dequeue();
                }

                _handed = last;
                if (_queued.Count <= MaxQueued)
                {
                    MakeRoom();
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
        MakeRoom();
    }

    // Under the lock: the publishers held back by DrainAsync go on (on the thread pool).
    private void MakeRoom()
    {
        if (_room is { } room)
        {
            _room = null;
            room.SetResult();
        }
    }
}
