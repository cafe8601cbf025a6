namespace Tako.Sse.Mvc.Sample;

// The sample's own log entries; they show up in the page's live log tail next to the framework's.
internal static partial class SampleLog
{
    [LoggerMessage(EventId = 1, EventName = "OrderReceived", Level = LogLevel.Information,
        Message = "Order {OrderId} received from {City}")]
    public static partial void OrderReceived(ILogger logger, int orderId, string city);

    [LoggerMessage(EventId = 2, EventName = "OrderShipped", Level = LogLevel.Information,
        Message = "Order {OrderId} packed and shipped in {Milliseconds} ms")]
    public static partial void OrderShipped(ILogger logger, int orderId, int milliseconds);

    [LoggerMessage(EventId = 3, EventName = "PaymentRetried", Level = LogLevel.Information,
        Message = "Payment for order {OrderId} was declined once and retried")]
    public static partial void PaymentRetried(ILogger logger, int orderId);

    [LoggerMessage(EventId = 4, EventName = "ProgressJobStarted", Level = LogLevel.Information,
        Message = "Progress job {JobId} started")]
    public static partial void ProgressJobStarted(ILogger logger, long jobId);

    [LoggerMessage(EventId = 5, EventName = "ProgressJobFinished", Level = LogLevel.Information,
        Message = "Progress job {JobId} finished")]
    public static partial void ProgressJobFinished(ILogger logger, long jobId);

    [LoggerMessage(EventId = 6, EventName = "ResumeStreamResumed", Level = LogLevel.Information,
        Message = "Resume stream of client {ClientTag} reconnected with Last-Event-ID {LastEventId}")]
    public static partial void ResumeStreamResumed(ILogger logger, string clientTag, long lastEventId);

    [LoggerMessage(EventId = 7, EventName = "ResumeStreamDropped", Level = LogLevel.Information,
        Message = "Resume stream of client {ClientTag} dropped on request; the browser reconnects by itself")]
    public static partial void ResumeStreamDropped(ILogger logger, string clientTag);

    [LoggerMessage(EventId = 8, EventName = "ChatStreamResumed", Level = LogLevel.Information,
        Message = "Chat stream of client {ClientTag} reconnected with Last-Event-ID {LastEventId}")]
    public static partial void ChatStreamResumed(ILogger logger, string clientTag, string lastEventId);

    [LoggerMessage(EventId = 9, EventName = "ChatStreamDropped", Level = LogLevel.Information,
        Message = "Chat stream of client {ClientTag} ended on request; the browser reconnects by itself")]
    public static partial void ChatStreamDropped(ILogger logger, string clientTag);

    [LoggerMessage(EventId = 10, EventName = "LiveStreamResumed", Level = LogLevel.Information,
        Message = "Live stream of client {ClientTag} reconnected for {ChannelCount} channels with the cursor {LastEventId}")]
    public static partial void LiveStreamResumed(ILogger logger, string clientTag, int channelCount, string lastEventId);

    [LoggerMessage(EventId = 11, EventName = "LiveStreamDropped", Level = LogLevel.Information,
        Message = "Live stream of client {ClientTag} ended on request; the browser reconnects by itself")]
    public static partial void LiveStreamDropped(ILogger logger, string clientTag);
}
