using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// What a hub's subscribers share and depend on: the channel options, the metrics, the gap events and the
/// channels' logger. One per hub (<see cref="SseChannelHub.Subscribers"/>); a subscriber gets it instead of the
/// hub, so it depends on nothing that depends on it.
/// </summary>
/// <remarks>
/// A backplane reports what happened to a subscription through <see cref="Resumed"/> and <see cref="GapSent"/>,
/// so its logs and metrics read like the in-memory hub's.
/// </remarks>
internal sealed class SseSubscriberContext(SseChannelOptions options, SseChannelMetrics metrics, SseGapFrames gaps, ILogger logger)
{
    public SseChannelOptions Options { get; } = options;

    public SseChannelMetrics Metrics { get; } = metrics;

    public SseGapFrames Gaps { get; } = gaps;

    /// <summary>Gets the logger of the channels (category <c>Tako.Sse.Mvc.ISseHub</c>).</summary>
    public ILogger Logger { get; } = logger;

    /// <summary>A subscription of <paramref name="channel"/> resumed from the history with <paramref name="missed"/> events.</summary>
    public void Resumed(string channel, int missed)
    {
        Metrics.Resumed();
        Log.Resumed(Logger, channel, missed);
    }

    /// <summary>A subscription of <paramref name="channel"/> opened with a gap event, for <paramref name="reason"/> (a <see cref="SseGapFrames"/> constant).</summary>
    public void GapSent(string channel, string reason)
    {
        Metrics.GapSent(reason);
        Log.ResumeGap(Logger, channel, reason);
    }
}
