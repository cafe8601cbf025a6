using System.Threading.Tasks.Sources;

namespace Tako.Sse.Mvc;

/// <summary>
/// What an idle stream waits on: the source's pending <c>MoveNextAsync</c>, its keep-alive timer, and its
/// cancellation. One instance per stream, reused for every idle period, so waiting allocates nothing: the
/// timer is created on the first idle wait and re-armed after that, and the awaitable is a reusable
/// <see cref="IValueTaskSource{T}"/>.
/// </summary>
/// <remarks>
/// <para>
/// Only the stream loop writes to the response. The timer callback and the cancellation callback merely
/// wake the loop, so a keep-alive frame can never land in the middle of an event's bytes.
/// </para>
/// <para>
/// There is at most one waiter at a time (the loop, or after the loop has given up on a source that ignores
/// its token, the task that disposes that source), and each <see cref="WaitAsync"/> is awaited exactly once.
/// Wake-ups that arrive while nobody waits, or that the waiter is not interested in, are kept in
/// <c>_pending</c>, so none is lost. <see cref="SseWakeReason.Cancelled"/> is never cleared: once a stream is
/// cancelled, every later wait reports it.
/// </para>
/// </remarks>
internal sealed class SseKeepAliveSignal : IValueTaskSource<SseWakeReason>, IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Action _onSourceReady;
    private ManualResetValueTaskSourceCore<SseWakeReason> _core;
    private ITimer? _timer;
    private SseWakeReason _pending;
    private SseWakeReason _interest;

    public SseKeepAliveSignal(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _onSourceReady = () => Signal(SseWakeReason.SourceReady);

        // The waiter resumes on the thread that signals. The source's completion and the system timer already
        // run on the thread pool, so a second hop would only add latency; Cancel hops on its own (see there).
        _core.RunContinuationsAsynchronously = false;
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

        // On the system clock the timer is an entry of the shared keep-alive wheel (see SseKeepAliveWheel).
        _timer ??= SseKeepAliveWheel.CreateTimer(_timeProvider, static state => ((SseKeepAliveSignal)state!).Signal(SseWakeReason.KeepAliveDue), this);
        _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Marks the stream cancelled (client gone or application stopping) and wakes the waiter.</summary>
    public void Cancel()
    {
        // Called from a cancellation callback: inline, the loop (and everything after it in the request
        // pipeline) would run on the thread that cancels, which for ApplicationStopping is the host's shutdown
        // thread, one stream after the other. One work item per stream, once, keeps shutdown prompt.
        ThreadPool.UnsafeQueueUserWorkItem(static signal => signal.Signal(SseWakeReason.Cancelled), this, preferLocal: false);
    }

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

            _core.Reset();
            _interest = interest;
            return new ValueTask<SseWakeReason>(this, _core.Version);
        }
    }

    public void Dispose() => _timer?.Dispose();

    SseWakeReason IValueTaskSource<SseWakeReason>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SseWakeReason>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<SseWakeReason>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

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

        // Outside the lock: completing runs the waiter inline on this thread.
        _core.SetResult(ready);
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
