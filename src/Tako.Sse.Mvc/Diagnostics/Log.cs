using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

// Every log entry of the package. Event ids are stable, listed in docs/logging.md, and never reused.
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "SseSourceFailed", Level = LogLevel.Error,
        Message = "The event source of an SSE stream threw; the stream was ended after the events already sent.")]
    public static partial void SourceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "SseClientDisconnected", Level = LogLevel.Debug,
        Message = "The client closed the SSE stream.")]
    public static partial void ClientDisconnected(ILogger logger);

    [LoggerMessage(EventId = 3, EventName = "SseStoppedByShutdown", Level = LogLevel.Debug,
        Message = "The SSE stream was ended because the application is stopping.")]
    public static partial void StoppedByShutdown(ILogger logger);

    [LoggerMessage(EventId = 4, EventName = "SseStreamCompleted", Level = LogLevel.Debug,
        Message = "The SSE stream completed after {EventCount} events.")]
    public static partial void StreamCompleted(ILogger logger, long eventCount);

    [LoggerMessage(EventId = 5, EventName = "SseSourceDisposeFailed", Level = LogLevel.Warning,
        Message = "The event source {Source} of an SSE stream that had already ended threw while it was being closed.")]
    public static partial void SourceDisposeFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "SseWriteFailed", Level = LogLevel.Error,
        Message = "Writing to an SSE stream failed (encoding or serializing an item, or the response body); the stream was ended.")]
    public static partial void WriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, EventName = "SseSourceAbandoned", Level = LogLevel.Debug,
        Message = "The SSE stream ended while its source was still producing an item; the source will be disposed when that call returns.")]
    public static partial void SourceAbandoned(ILogger logger);

    [LoggerMessage(EventId = 8, EventName = "SseSourceDisposeStalled", Level = LogLevel.Warning,
        Message = "The event source {Source} of an SSE stream did not finish DisposeAsync within {Timeout}; the response ended without waiting for it.")]
    public static partial void SourceDisposeStalled(ILogger logger, string source, TimeSpan timeout);

    [LoggerMessage(EventId = 9, EventName = "SseWriteTimedOut", Level = LogLevel.Debug,
        Message = "The client of an SSE stream did not take a write within {WriteTimeout}; the connection was aborted.")]
    public static partial void WriteTimedOut(ILogger logger, TimeSpan writeTimeout);

    [LoggerMessage(EventId = 10, EventName = "SseLastEventIdMalformed", Level = LogLevel.Debug,
        Message = "The Last-Event-ID '{LastEventId}' is not a {Type}; the parameter was left unbound, so the stream starts afresh.")]
    public static partial void LastEventIdMalformed(ILogger logger, string lastEventId, string type);

    [LoggerMessage(EventId = 11, EventName = "SseAuthenticationExpired", Level = LogLevel.Debug,
        Message = "The authentication of an SSE stream's request expired at {ExpiresUtc}; the stream was ended.")]
    public static partial void AuthenticationExpired(ILogger logger, DateTimeOffset expiresUtc);
}
