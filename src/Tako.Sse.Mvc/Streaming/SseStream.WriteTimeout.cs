namespace Tako.Sse.Mvc;

// TakoSseOptions.WriteTimeout: a write (events or a keep-alive) the client has not taken within it ends the
// response. Kestrel's MinResponseDataRate does not end such a reader in useful time (each large flush buys
// minutes of grace, the socket buffers hours), and is often turned off for SSE.
internal sealed partial class SseStream
{
    private readonly TimeSpan? _writeTimeout;

    // Guards _ended and the abort: a timeout decided just as the stream ends must not abort the connection's
    // next request, which Kestrel may already be running on the same HttpContext.
    private readonly Lock _endGate = new();
    private CancellationTokenSource? _cancellation;
    private ITimer? _writeTimer;

    // The timestamp at which the pending write started, or 0 when no write is pending.
    private long _writeStartedAt;

    // 1 while the write timer is armed: a pending write arms it only if it is not, so a stream whose writes
    // keep waiting costs one timer fire per timeout period, never a timer per write.
    private int _writeTimerArmed;
    private bool _ended;
    private bool _timedOut;

    private void StartWriteTimeout()
    {
        if (_writeTimeout is not { } timeout)
        {
            return;
        }

        Volatile.Write(ref _writeStartedAt, Math.Max(1, _timeProvider.GetTimestamp()));
        if (Interlocked.Exchange(ref _writeTimerArmed, 1) == 0)
        {
            // On the system clock, an entry of the shared wheel: no system timer per stream.
            _writeTimer ??= SseKeepAliveWheel.CreateTimer(_timeProvider, static state => ((SseStream)state!).OnWriteTimer(), this);
            _writeTimer.Change(timeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopWriteTimeout() => Volatile.Write(ref _writeStartedAt, 0);

    // On the clock's thread: decides, from the clock, whether the pending write has waited too long.
    private void OnWriteTimer()
    {
        var timeout = _writeTimeout!.Value;
        while (true)
        {
            var startedAt = Volatile.Read(ref _writeStartedAt);
            if (startedAt != 0)
            {
                var remaining = timeout - _timeProvider.GetElapsedTime(startedAt);
                if (remaining > TimeSpan.Zero)
                {
                    // A later write than the one that armed the timer: it gets its full time. The timer stays ours.
                    _writeTimer!.Change(remaining, Timeout.InfiniteTimeSpan);
                    return;
                }

                // Aborting calls into the server, and cancelling runs the source's callbacks: not on the clock.
                ThreadPool.UnsafeQueueUserWorkItem(static stream => stream.AbortTimedOutWrite(), this, preferLocal: false);
                return;
            }

            // No write pending: disarm. A write that started meanwhile saw the timer armed and did not arm it,
            // so look again, and keep the timer for it if so.
            Volatile.Write(ref _writeTimerArmed, 0);
            if (Volatile.Read(ref _writeStartedAt) == 0 || Interlocked.Exchange(ref _writeTimerArmed, 1) != 0)
            {
                return;
            }
        }
    }

    private void AbortTimedOutWrite()
    {
        lock (_endGate)
        {
            if (_ended)
            {
                return;
            }

            var startedAt = Volatile.Read(ref _writeStartedAt);
            if (startedAt == 0 || _timeProvider.GetElapsedTime(startedAt) < _writeTimeout!.Value)
            {
                // The write completed (and perhaps another started) since the timer decided: judge again,
                // which also disarms or re-arms the timer.
                ThreadPool.UnsafeQueueUserWorkItem(static stream => stream.OnWriteTimer(), this, preferLocal: false);
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
            _cancellation?.Cancel();
        }
        catch (Exception exception) when (exception is ObjectDisposedException or AggregateException)
        {
            // The stream has just ended on its own, or a callback of the source threw: it is over either way.
        }
    }

    // Called once, as the loop ends: no abort after this, and the timer is released.
    private void EndWriteTimeout()
    {
        lock (_endGate)
        {
            _ended = true;
        }

        _writeTimer?.Dispose();
        if (_timedOut)
        {
            _metrics.WriteTimedOut();
            Log.WriteTimedOut(_logger, _writeTimeout!.Value);
        }
    }
}
