using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>
/// <see cref="TakoSseOptions.WriteTimeout"/> for one stream: a write (events or a keep-alive) the client has not
/// taken within the timeout aborts the connection and cancels the stream. Kestrel's <c>MinResponseDataRate</c>
/// does not end such a reader in useful time (each large flush buys minutes of grace, the socket buffers hours),
/// and is often turned off for SSE.
/// </summary>
/// <remarks>
/// One timer (an entry of <see cref="SseTimerWheel"/> on the system clock) per stream, armed only while a write
/// waits, and only once for writes that keep waiting: one timer fire per timeout period, never a timer per write.
/// The timer's callback decides from the clock; the abort itself runs on the thread pool.
/// </remarks>
internal sealed class SseWriteTimeout
{
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _timeProvider;
    private readonly HttpContext _context;
    private readonly CancellationTokenSource _cancellation;

    // Guards _ended and the abort: a timeout decided just as the stream ends must not abort the connection's
    // next request, which Kestrel may already be running on the same HttpContext.
    private readonly Lock _endGate = new();
    private ITimer? _timer;

    // The timestamp at which the pending write started, or 0 when no write is pending.
    private long _writeStartedAt;

    // 1 while the timer is armed: a pending write arms it only if it is not.
    private int _timerArmed;
    private bool _ended;

    /// <param name="timeout">The timeout, positive and clamped (<see cref="SseTimerWheel.ClampDueTime"/>).</param>
    /// <param name="timeProvider">The app's clock.</param>
    /// <param name="context">The request whose connection a timed-out write aborts.</param>
    /// <param name="cancellation">The stream's cancellation, cancelled after the abort.</param>
    public SseWriteTimeout(TimeSpan timeout, TimeProvider timeProvider, HttpContext context, CancellationTokenSource cancellation)
    {
        _timeout = timeout;
        _timeProvider = timeProvider;
        _context = context;
        _cancellation = cancellation;
    }

    public TimeSpan Timeout => _timeout;

    private bool _timedOut;

    /// <summary>A write has to wait for the client: its time starts now.</summary>
    public void Start()
    {
        Volatile.Write(ref _writeStartedAt, Math.Max(1, _timeProvider.GetTimestamp()));
        if (Interlocked.Exchange(ref _timerArmed, 1) == 0)
        {
            _timer ??= SseTimerWheel.CreateTimer(_timeProvider, static state => ((SseWriteTimeout)state!).OnTimer(), this);
            _timer.Change(_timeout, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The pending write completed.</summary>
    public void Stop() => Volatile.Write(ref _writeStartedAt, 0);

    /// <summary>Called once, as the stream ends: no abort after this, and the timer is released.</summary>
    /// <returns>Whether a write timed out (and so ended the stream).</returns>
    public bool End()
    {
        bool timedOut;
        lock (_endGate)
        {
            _ended = true;
            timedOut = _timedOut;
        }

        _timer?.Dispose();
        return timedOut;
    }

    // On the clock's thread: decides, from the clock, whether the pending write has waited too long.
    private void OnTimer()
    {
        while (true)
        {
            var startedAt = Volatile.Read(ref _writeStartedAt);
            if (startedAt != 0)
            {
                var remaining = _timeout - _timeProvider.GetElapsedTime(startedAt);
                if (remaining > TimeSpan.Zero)
                {
                    // A later write than the one that armed the timer: it gets its full time. The timer stays armed.
                    _timer!.Change(remaining, System.Threading.Timeout.InfiniteTimeSpan);
                    return;
                }

                // Aborting calls into the server, and cancelling runs the source's callbacks: not on the clock.
                ThreadPool.UnsafeQueueUserWorkItem(static timeout => timeout.Abort(), this, preferLocal: false);
                return;
            }

            // No write pending: disarm. A write that started meanwhile saw the timer armed and did not arm it,
            // so look again, and keep the timer for it if so.
            Volatile.Write(ref _timerArmed, 0);
            if (Volatile.Read(ref _writeStartedAt) == 0 || Interlocked.Exchange(ref _timerArmed, 1) != 0)
            {
                return;
            }
        }
    }

    private void Abort()
    {
        lock (_endGate)
        {
            if (_ended)
            {
                return;
            }

            var startedAt = Volatile.Read(ref _writeStartedAt);
            if (startedAt == 0 || _timeProvider.GetElapsedTime(startedAt) < _timeout)
            {
                // The write completed (and perhaps another started) since the timer decided: judge again,
                // which also disarms or re-arms the timer.
                ThreadPool.UnsafeQueueUserWorkItem(static timeout => timeout.OnTimer(), this, preferLocal: false);
                return;
            }

            _timedOut = true;

            // Ends the connection (HTTP/1.1) or the stream (HTTP/2): the pending write completes, and a client
            // that comes back reconnects on a fresh connection.
            _context.Abort();
        }

        // The source's token fires, and the pending write is cancelled even on a server whose Abort does not
        // complete it.
        try
        {
            _cancellation.Cancel();
        }
        catch (Exception exception) when (exception is ObjectDisposedException or AggregateException)
        {
            // The stream has just ended on its own, or a callback of the source threw: it is over either way.
        }
    }
}
