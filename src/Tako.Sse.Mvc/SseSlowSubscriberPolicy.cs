namespace Tako.Sse.Mvc;

/// <summary>What a channel does with a subscriber whose queue (<see cref="SseChannelOptions.SubscriberQueueSize"/>) is full.</summary>
public enum SseSlowSubscriberPolicy
{
    /// <summary>
    /// End that subscriber's response at once (the connection is aborted, even when a write is stuck). The
    /// browser reconnects and resumes from the channel's history, so it loses nothing the history still holds.
    /// </summary>
    Disconnect = 0,

    /// <summary>
    /// Drop the oldest queued events of that subscriber, and send it a gap event
    /// (<see cref="SseChannelOptions.GapEventName"/>) before the next event it receives.
    /// </summary>
    DropOldest = 1,
}
