using System.Threading.Tasks.Sources;

namespace Tako.Sse.Mvc;

/// <summary>
/// What an idle stream waits on: the source's pending <c>MoveNextAsync</c>, its keep-alive timer, and its
/// cancellation. One instance per stream, reused for every idle period, so waiting allocates nothing: the
/// timer is created once and re-armed, and the awaitable is a reusable <see cref="IValueTaskSource{T}"/>.
/// </summary>
/// <remarks>
/// Only the stream loop writes to the response. The timer callback and the cancellation callback merely
/// wake the loop, so a keep-alive frame can never land in the middle of an event's bytes.
/// </remarks>
internal sealed class SseKeepAliveSignal : IValueTaskSource<SseWakeReason>, IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Action _onSourceReady;
    private ManualResetValueTaskSourceCore<SseWakeReason> _core;
    private ITimer? _timer;
    private SseWakeReason _pending;
    private bool _waiting;

    public SseKeepAliveSignal(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _onSourceReady = () => Signal(SseWakeReason.SourceReady);

        // The loop is resumed on the thread that signals; the source's and the timer's callbacks already run
        // on the thread pool, so a second hop would only add latency.
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>Gets the callback to register on the source's pending <c>MoveNextAsync</c> (cached: no allocation).</summary>
    public Action OnSourceReady => _onSourceReady;

    /// <summary>Starts an idle period: forgets wake-ups that belong to the previous one.</summary>
    public void BeginIdle()
    {
        lock (_gate)
        {
            _pending = SseWakeReason.None;
        }
    }

    /// <summary>Arms the keep-alive timer to fire once after <paramref name="dueTime"/>.</summary>
    public void ArmKeepAlive(TimeSpan dueTime)
    {
        // On the system clock the timer is an entry of the shared keep-alive wheel (see SseKeepAliveWheel).
        _timer ??= SseKeepAliveWheel.CreateTimer(_timeProvider, static state => ((SseKeepAliveSignal)state!).Signal(SseWakeReason.KeepAliveDue), this);
        _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    public void Cancel() => Signal(SseWakeReason.Cancelled);

    /// <summary>Waits until something wakes the loop; returns and clears every reason seen.</summary>
    public ValueTask<SseWakeReason> WaitAsync()
    {
        lock (_gate)
        {
            if (_pending != SseWakeReason.None)
            {
                var reasons = _pending;
                _pending = SseWakeReason.None;
                return new ValueTask<SseWakeReason>(reasons);
            }

            _core.Reset();
            _waiting = true;
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
        SseWakeReason reasons;
        lock (_gate)
        {
            if (!_waiting)
            {
                _pending |= reason;
                return;
            }

            _waiting = false;
            reasons = _pending | reason;
            _pending = SseWakeReason.None;
        }

        // Outside the lock: completing runs the loop inline on this thread.
        _core.SetResult(reasons);
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
}
