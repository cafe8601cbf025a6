namespace Tako.Sse.Mvc;

/// <summary>
/// Where, within <see cref="SseChannelOptions.ReauthorizeInterval"/>, each subscription's first re-check falls,
/// so that subscriptions opened together (every browser reconnecting after a deploy) are not re-checked in the
/// same second, and their authorizers' database is not asked 10,000 questions at once.
/// </summary>
/// <remarks>
/// The n-th subscription's offset is the fractional part of n times the golden ratio, times the interval (a
/// Weyl sequence): any stretch of the interval holds its share of the offsets give or take a handful, however
/// many subscriptions there are, with no state but a counter. Later re-checks follow each first one at the
/// interval, so the spread holds.
/// </remarks>
/// <param name="interval">The re-check interval: positive.</param>
internal sealed class SseRecheckSchedule(TimeSpan interval)
{
    // 1 / φ: the step of the sequence, whose multiples modulo 1 spread the most evenly.
    private const double Step = 0.6180339887498949;

    private long _count;

    /// <summary>Gets the interval.</summary>
    public TimeSpan Interval => interval;

    /// <summary>Gets how long after it opens the next subscription is first re-checked: in (0, <see cref="Interval"/>].</summary>
    public TimeSpan NextFirstDelay()
    {
        var n = Interlocked.Increment(ref _count);
        var fraction = n * Step % 1.0;
        var ticks = (long)(fraction * interval.Ticks);
        return TimeSpan.FromTicks(Math.Clamp(ticks, 1, interval.Ticks));
    }
}
