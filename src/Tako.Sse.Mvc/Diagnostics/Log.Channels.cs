using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

// The channels' entries (ids 30-49), under the category Tako.Sse.Mvc.ISseHub. A client's slowness or an old
// Last-Event-ID is the client's business, never an Error.
internal static partial class Log
{
    [LoggerMessage(EventId = 30, EventName = "SseChannelSlowSubscriberDisconnected", Level = LogLevel.Information,
        Message = "A subscriber of channel {Channel} was disconnected: {QueueSize} events were waiting for it (SlowSubscriberPolicy Disconnect). It resumes from the history when it reconnects.")]
    public static partial void SlowSubscriberDisconnected(ILogger logger, string channel, int queueSize);

    [LoggerMessage(EventId = 31, EventName = "SseChannelEventsDropped", Level = LogLevel.Debug,
        Message = "{Count} events of channel {Channel} were dropped for a slow subscriber (SlowSubscriberPolicy DropOldest); a gap event tells it.")]
    public static partial void EventsDropped(ILogger logger, string channel, long count);

    [LoggerMessage(EventId = 32, EventName = "SseChannelGapSent", Level = LogLevel.Debug,
        Message = "A subscriber of channel {Channel} got a gap event: its Last-Event-ID is {Reason}.")]
    public static partial void ResumeGap(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 33, EventName = "SseChannelResumed", Level = LogLevel.Debug,
        Message = "A subscriber of channel {Channel} resumed from the history with {Count} missed events.")]
    public static partial void Resumed(ILogger logger, string channel, int count);

    [LoggerMessage(EventId = 34, EventName = "SseChannelRemoved", Level = LogLevel.Trace,
        Message = "Channel {Channel} was removed: no subscribers and no history left.")]
    public static partial void ChannelRemoved(ILogger logger, string channel);
}
