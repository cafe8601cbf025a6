namespace Tako.Sse.Mvc;

/// <summary>
/// One request's subscription, read by the stream loop as an async enumerator of frames: first an opening gap
/// event or the frames missed since <c>Last-Event-ID</c>, then live frames from a bounded queue
/// (<see cref="SseSubscriberBacklog"/>). A hub creates it, puts it in the <see cref="SseSubscriberSet"/> of its
/// channel, and hands it frames through that set.
/// </summary>
/// <remarks>
/// <para>
/// The subscriber depends on its <see cref="SseSubscriberContext"/> (options, metrics, gap events, logger) and
/// on two callbacks, kept by its <see cref="SseSubscriberMembership"/>: <c>abort</c> (the request's connection,
/// for the Disconnect policy) and <c>leave</c>, which the hub gives it to take it out of one of its channels:
/// once the response has ended, or when a re-check revokes that channel (<see cref="Revoke"/>). It never sees
/// the hub.
/// </para>
/// <para>
/// Publishers only ever enqueue under this subscriber's lock and never wait for it. A waiting reader is woken
/// through <see cref="SseWaitable{T}"/>, so the stream loop resumes on the thread pool, never on a publisher's
/// thread.
/// </para>
/// <para>
/// For a backplane, whose history is elsewhere: <see cref="Hold"/>, <see cref="Release"/> and <see cref="OpenAfter"/>.
/// </para>
/// </remarks>
internal sealed class SseSubscriber : SseWaitable<bool>, IAsyncEnumerator<SseChannelFrame>
{
    private readonly Lock _gate = new();
    private readonly SseSubscriberMembership _membership;
    private SseSubscriberBacklog _backlog;
    private bool _waiting;
    private bool _ended;

    // Every channel was revoked: the reader gets what is queued (the revoked events), then the end.
    private bool _draining;
    private CancellationTokenRegistration _cancellation;

    /// <param name="context">The hub's shared context.</param>
    /// <param name="channel">The channel's name (for logs).</param>
    /// <param name="abort">Aborts the request's connection.</param>
    /// <param name="leave">
    /// Called once per channel, with <paramref name="leaveState"/> and the channel's slot: when the response has
    /// ended, or when the channel is revoked.
    /// </param>
    /// <param name="leaveState">What <paramref name="leave"/> needs to find the subscriber's channels (the hub's entries, by slot).</param>
    /// <param name="opening">A gap event that goes out first, or <see langword="null"/>.</param>
    /// <param name="missed">The frames the client missed, oldest first, or <see langword="null"/>.</param>
    /// <param name="slots">The number of channels: a subscriber of several is in the set of each (see <see cref="SseSubscriberSet"/>).</param>
    public SseSubscriber(
        SseSubscriberContext context,
        string channel,
        Action abort,
        Action<SseSubscriber, object, int> leave,
        object leaveState,
        SseChannelFrame? opening = null,
        SseChannelFrame[]? missed = null,
        int slots = 1)
    {
        _membership = new SseSubscriberMembership(slots, abort, leave, leaveState);
        Context = context;
        Channel = channel;
        _backlog = new SseSubscriberBacklog(context.Options.SubscriberQueueSize);
        _backlog.Open(opening, missed);
    }

    public SseSubscriberContext Context { get; }

    /// <summary>Gets the channel's name (the names, comma-separated, for several channels): for logs.</summary>
    public string Channel { get; }

    /// <summary>
    /// Gets the cursor of a subscription of several channels, which every frame it takes advances; set by the hub
    /// before the subscription starts. <see langword="null"/> for a single channel.
    /// </summary>
    public SseCursor? Cursor { get; init; }

    public SseChannelFrame Current { get; private set; } = null!;

    /// <summary>
    /// Gets whether the subscription is over (its response is ending, or the Disconnect policy refused it): a
    /// backplane stops working for it.
    /// </summary>
    public bool HasEnded
    {
        get
        {
            lock (_gate)
            {
                return _ended;
            }
        }
    }

    /// <summary>Gets what the response waits for before its headers go out (see <see cref="OpenAfter"/>), or <see langword="null"/>.</summary>
    public Task? Opening { get; private set; }

    /// <summary>Gets where the subscriber is a member: its position in each channel's <see cref="SseSubscriberSet"/>, by slot.</summary>
    public SseSubscriberMembership Membership => _membership;

    /// <summary>Ends the subscription (its reader gets no more frames) when <paramref name="token"/> fires.</summary>
    public void EndOn(CancellationToken token) =>
        _cancellation = token.UnsafeRegister(static state => ((SseSubscriber)state!).End(), this);

    /// <summary>
    /// Queues frames, oldest first, with one wake of the reader; called by a set's deliverer
    /// (<see cref="SseSubscriberSet.DrainAsync"/>) under the set's lock. False when the queue is full and the
    /// policy is <see cref="SseSlowSubscriberPolicy.Disconnect"/>: the subscriber has then ended, and the set
    /// removes it and calls <see cref="Disconnect"/>.
    /// </summary>
    public bool TryEnqueue(ReadOnlySpan<SseChannelFrame> frames)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return true;
            }

            foreach (var frame in frames)
            {
                if (!_backlog.TryEnqueue(frame, Context))
                {
                    _ended = true;
                    return false;
                }
            }

            if (!_backlog.IsHeld)
            {
                Wake(true);
            }

            return true;
        }
    }

    /// <summary>Aborts the response of a subscriber that <see cref="TryEnqueue"/> refused, off the publisher's thread.</summary>
    public void Disconnect()
    {
        Context.Metrics.SlowDisconnected();
        ThreadPool.UnsafeQueueUserWorkItem(
            static subscriber =>
            {
                Log.SlowSubscriberDisconnected(subscriber.Context.Logger, subscriber.Channel, subscriber.Context.Options.SubscriberQueueSize);

                // Abort, not a graceful end: the reader may be stuck in a write the client never takes, and a
                // graceful end would wait for that write. Aborting also fires RequestAborted, which ends the loop.
                subscriber._membership.Abort();
                subscriber.End();
            },
            this,
            preferLocal: false);
    }

    /// <summary>
    /// Takes the channel in <paramref name="slot"/> away from the subscription (a re-check no longer allows it):
    /// the subscriber leaves that channel's set, the channel's frames still queued are dropped, and
    /// <paramref name="revoked"/> (the channel's revoked event) goes out next. After the last channel, the reader
    /// gets the revoked events, then the end. Returns the number of channels left, or -1 when the subscription
    /// is over or the channel was revoked already.
    /// </summary>
    public int Revoke(int slot, SseChannelFrame revoked)
    {
        // Out of the channel's set first: once it is, nothing of the channel is queued after the purge below.
        var remaining = _membership.Revoke(this, slot);
        if (remaining < 0)
        {
            return -1;
        }

        lock (_gate)
        {
            if (!_ended)
            {
                _backlog.Revoke(revoked, last: remaining == 0);

                // With no channel left, a backplane's release (of what the client missed) brings nothing more.
                _draining = remaining == 0;
                if (_draining)
                {
                    _backlog.Release(null, null, null);
                }

                if (!_backlog.IsHeld)
                {
                    Wake(true);
                }
            }
        }

        return remaining;
    }

    /// <summary>
    /// Backplane support: called before the hub hands the subscriber out. The response opens (EventSource's
    /// <c>onopen</c>) only once <paramref name="opening"/>, which must never fault, has completed: a hub that
    /// learns where its channel stands only after a round trip can then promise every event published after
    /// <c>onopen</c>. Live frames queue meanwhile, as usual.
    /// </summary>
    public void OpenAfter(Task opening) => Opening = opening;

    /// <summary>
    /// Backplane support, right after the subscriber joined its set, under the channel's lock: it queues live
    /// frames but hands none out until <see cref="Release"/> (see <see cref="SseSubscriberBacklog.Hold"/>).
    /// </summary>
    public void Hold()
    {
        lock (_gate)
        {
            _backlog.Hold();
        }
    }

    /// <summary>Backplane support: ends <see cref="Hold"/> (see <see cref="SseSubscriberBacklog.Release"/>).</summary>
    public void Release(SseChannelFrame? opening, SseChannelFrame[]? missed, Func<SseChannelFrame, bool>? alreadySent = null)
    {
        lock (_gate)
        {
            if (_backlog.Release(opening, missed, alreadySent))
            {
                Wake(true);
            }
        }
    }

    public ValueTask<bool> MoveNextAsync()
    {
        lock (_gate)
        {
            if (TryTake())
            {
                return new ValueTask<bool>(true);
            }

            if (_ended || (_draining && !_backlog.IsHeld))
            {
                return new ValueTask<bool>(false);
            }

            _waiting = true;
            return Wait();
        }
    }

    public ValueTask DisposeAsync()
    {
        // Disposal happens before the request finishes: from here on, no abort.
        if (_membership.TryEnd())
        {
            _cancellation.Dispose();
            End();
            _membership.LeaveAll(this);
        }

        return ValueTask.CompletedTask;
    }

    private void End()
    {
        lock (_gate)
        {
            _ended = true;
            _backlog.Clear();
            Wake(false);
        }
    }

    // Under the lock: wakes the waiting reader, which takes its frame itself (OnResult), when it runs.
    private void Wake(bool result)
    {
        if (_waiting)
        {
            _waiting = false;
            Complete(result);
        }
    }

    protected override bool OnResult(bool result)
    {
        if (!result)
        {
            return false;
        }

        lock (_gate)
        {
            return TryTake();
        }
    }

    // Under the lock.
    private bool TryTake()
    {
        if (_ended || !_backlog.TryTake(Context, Channel, out var frame))
        {
            return false;
        }

        Cursor?.Advance(frame);
        Current = frame;
        return true;
    }
}
