namespace Tako.Sse.Mvc;

/// <summary>
/// What wakes an idle stream: the source's pending <c>MoveNextAsync</c> completing, its keep-alive timer, and its
/// cancellation. One instance per stream, reused for every idle period, so waiting allocates nothing: the
/// timer is created on the first idle wait and re-armed after that, and the awaitable is reused
/// (<see cref="SseWaitable{T}"/>).
/// </summary>
/// <remarks>
/// <para>
/// Only the stream loop writes to the response. The timer callback and the cancellation callback merely
/// wake the loop, so a keep-alive frame can never land in the middle of an event's bytes.
/// </para>
/// <para>
/// Waking never runs the loop on the waker's thread: the waiter is resumed on the thread pool. Whoever signals
/// (a producer completing the task a source awaits, the shared keep-alive clock, a cancellation) gets its
/// thread back at once, whatever the loop does next: write, or call the source's next <c>MoveNextAsync</c>,
/// which may block.
/// </para>
/// <para>
/// There is at most one waiter at a time (the loop, or after the loop has given up on a source that ignores
/// its token, the task that disposes that source), and each <see cref="WaitAsync"/> is awaited exactly once.
/// Wake-ups that arrive while nobody waits, or that the waiter is not interested in, are kept in
/// <c>_pending</c>, so none is lost. <see cref="SseWakeReason.Cancelled"/> is never cleared: once a stream is
/// cancelled, every later wait reports it.
/// </para>
/// </remarks>
internal sealed class SseStreamWakeSignal : SseWaitable<SseWakeReason>, IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Action _onSourceReady;
    private ITimer? _timer;
    private SseWakeReason _pending;
    private SseWakeReason _interest;

    public SseStreamWakeSignal(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        // The waiter resumes on the thread pool, never on the signalling thread (SseWaitable): that thread
        // belongs to a producer, the clock or a canceller, and the loop would run the source's next
        // MoveNextAsync on it. An instance method, so SseWaitable can tell this callback from any other by its
        // target and run it inline (it only queues the loop).
        _onSourceReady = SignalSourceReady;
    }

    /// <summary>Gets the callback to register on the source's pending <c>MoveNextAsync</c> (cached: no allocation).</summary>
    public Action OnSourceReady => _onSourceReady;

    /// <summary>
    /// Arms the keep-alive timer to fire once after <paramref name="dueTime"/>, replacing any earlier arming.
    /// The timer is created on the first call, so a stream that is never idle never gets one.
    /// </summary>
    public void ArmKeepAlive(TimeSpan dueTime)
    {
        // A fire from an earlier arming that nobody consumed is stale now. It is dropped before re-arming: a
        // stale fire that slips in between only causes a spurious wake, which the loop re-checks against the
        // clock, whereas clearing after re-arming could drop the fire of the new arming and stall keep-alive.
        lock (_gate)
        {
            _pending &= ~SseWakeReason.KeepAliveDue;
        }

        // On the system clock the timer is an entry of the shared timer wheel (see SseTimerWheel).
        _timer ??= SseTimerWheel.CreateTimer(_timeProvider, static state => ((SseStreamWakeSignal)state!).Signal(SseWakeReason.KeepAliveDue), this);
        _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Marks the stream cancelled (client gone or application stopping) and wakes the waiter.</summary>
    /// <remarks>
    /// Called from a cancellation callback, for ApplicationStopping on the host's shutdown thread: the waiter
    /// resumes on the thread pool (as for every wake-up), so shutdown does not run the streams one by one.
    /// </remarks>
    public void Cancel() => Signal(SseWakeReason.Cancelled);

    /// <summary>
    /// Waits until one of <paramref name="interest"/> happens; returns those of them seen so far and clears
    /// them (except <see cref="SseWakeReason.Cancelled"/>, which stays set).
    /// </summary>
    public ValueTask<SseWakeReason> WaitAsync(SseWakeReason interest)
    {
        lock (_gate)
        {
            var ready = _pending & interest;
            if (ready != SseWakeReason.None)
            {
                _pending &= ~(ready & ~SseWakeReason.Cancelled);
                return new ValueTask<SseWakeReason>(ready);
            }

            _interest = interest;
            return Wait();
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void SignalSourceReady() => Signal(SseWakeReason.SourceReady);

    private void Signal(SseWakeReason reason)
    {
        SseWakeReason ready;
        lock (_gate)
        {
            _pending |= reason;
            ready = _pending & _interest;
            if (ready == SseWakeReason.None)
            {
                return;
            }

            // The waiter is released exactly once: a second signal racing with this one finds no interest
            // and stays in _pending for the next wait.
            _interest = SseWakeReason.None;
            _pending &= ~(ready & ~SseWakeReason.Cancelled);
        }

        // Outside the lock: completing queues the waiter to the thread pool.
        Complete(ready);
    }
}

/// <summary>Why an idle stream woke up; several can be set at once.</summary>
[Flags]
internal enum SseWakeReason
{
    None = 0,
    SourceReady = 1,
    KeepAliveDue = 2,
    Cancelled = 4,
    Any = SourceReady | KeepAliveDue | Cancelled,
}
