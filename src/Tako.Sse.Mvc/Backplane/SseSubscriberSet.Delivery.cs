namespace Tako.Sse.Mvc;

/// <summary>The deliverer of a set: the passes that hand the delivered frames out (see the remarks on the class).</summary>
internal sealed partial class SseSubscriberSet
{
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
                next = _count;
            }

            ReadOnlySpan<SseChannelFrame> pass = count == 1 ? new(ref single!) : _pass.AsSpan(0, count);
            var last = unchecked(first + count - 1);

            // Backwards, so the member Remove moves into a leaving one's place has been handed the frames already.
            while (next > 0)
            {
                lock (_lock)
                {
                    next = Math.Min(next, _count);
                    var end = Math.Max(0, next - BatchSize);
                    for (var i = next - 1; i >= end; i--)
                    {
                        ref var member = ref _subscribers[i];
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
