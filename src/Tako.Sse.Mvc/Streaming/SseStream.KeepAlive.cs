using System.Runtime.CompilerServices;

namespace Tako.Sse.Mvc;

// Idle waits: while the source is silent, a keep-alive comment every period.
internal sealed partial class SseStream
{
    // Waits for the pending MoveNextAsync, writing keep-alive frames while the source is silent. True when
    // the source has an answer; false when the stream was cancelled first or a keep-alive could not be sent.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitForSourceAsync(SseStreamWakeSignal signal, CancellationToken token)
    {
        if (_keepAlive is not { } period)
        {
            return (await signal.WaitAsync(SseWakeReason.SourceReady | SseWakeReason.Cancelled) & SseWakeReason.SourceReady) != 0;
        }

        // The silence starts now, after the last event was flushed: every event resets the keep-alive timer.
        var silentSince = _timeProvider.GetTimestamp();
        signal.ArmKeepAlive(period);
        while (true)
        {
            var reasons = await signal.WaitAsync(SseWakeReason.Any);
            if ((reasons & SseWakeReason.SourceReady) != 0)
            {
                return true;
            }

            if ((reasons & SseWakeReason.Cancelled) != 0)
            {
                return false;
            }

            // Re-check the silence against the clock: a timer fire can be a stale one from an earlier arming.
            var silence = _timeProvider.GetElapsedTime(silentSince);
            if (silence >= period)
            {
                _buffer.WriteKeepAlive(_encoder);
                if (!await FlushAsync(token))
                {
                    return false;
                }

                _metrics.KeepAliveSent();

                // The next one is due a period after this one was due, not after it went out: keep-alives keep
                // the period's cadence instead of each adding the timer's lateness (up to a wheel tick) to the
                // next. After a stall longer than a period, the cadence starts again from now, so a stream
                // never sends a burst of keep-alives to catch up.
                silentSince = silence < period * 2
                    ? silentSince + (long)(period.TotalSeconds * _timeProvider.TimestampFrequency)
                    : _timeProvider.GetTimestamp();
            }

            // Zero when the flush itself outlasted the rest of the period: the timer then fires at once.
            var remaining = period - _timeProvider.GetElapsedTime(silentSince);
            signal.ArmKeepAlive(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
    }
}
