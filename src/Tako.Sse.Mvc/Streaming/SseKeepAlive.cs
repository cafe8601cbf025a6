namespace Tako.Sse.Mvc;

/// <summary>
/// The keep-alive rule of one stream: once the stream has been silent for <see cref="Period"/>, one keep-alive
/// comment (<see cref="ISseEncoder.EncodeKeepAlive"/>, <c>:keepalive</c> by default) goes out; every write resets
/// the silence. The stream loop asks this schedule when the next one is due while it waits for its source; its
/// timer is armed through <see cref="SseStreamWakeSignal.ArmKeepAlive"/>, and the comment is written by
/// <see cref="SseWriteBuffer.WriteKeepAlive"/>.
/// </summary>
/// <remarks>
/// Keep-alives keep the period's cadence: the next one is due a period after the previous one was due, not
/// after it went out, so they do not each add the timer's lateness (up to a tick of <see cref="SseTimerWheel"/>).
/// After a stall longer than a period the cadence starts again from now: a stream never sends a burst of
/// keep-alives to catch up. Not thread-safe: only the stream loop uses it.
/// </remarks>
internal sealed class SseKeepAlive(TimeSpan period, TimeProvider timeProvider)
{
    private long _silentSince;
    private TimeSpan _silence;

    /// <summary>Gets the period of silence after which a keep-alive goes out.</summary>
    public TimeSpan Period { get; } = period;

    /// <summary>Gets the time left until the next keep-alive is due; zero when it is due now.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var remaining = Period - timeProvider.GetElapsedTime(_silentSince);
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }

    /// <summary>The stream has just written (an event, or the headers): the silence starts now.</summary>
    public void Reset() => _silentSince = timeProvider.GetTimestamp();

    /// <summary>
    /// Gets whether the stream has been silent for the period, read from the clock: a timer fire can be a stale
    /// one from an earlier arming.
    /// </summary>
    public bool IsDue()
    {
        _silence = timeProvider.GetElapsedTime(_silentSince);
        return _silence >= Period;
    }

    /// <summary>A keep-alive that <see cref="IsDue"/> reported went out: the next one is due a period later.</summary>
    public void Sent() =>
        _silentSince = _silence < Period * 2
            ? _silentSince + (long)(Period.TotalSeconds * timeProvider.TimestampFrequency)
            : timeProvider.GetTimestamp();
}
