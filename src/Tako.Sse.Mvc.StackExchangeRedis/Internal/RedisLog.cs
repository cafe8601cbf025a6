using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

// The Redis hub's entries (ids 100-119), under the category Tako.Sse.Mvc.StackExchangeRedis. Named RedisLog,
// not Log: the core's Log is visible here (InternalsVisibleTo) and the two would clash.
internal static partial class RedisLog
{
    public const string Category = "Tako.Sse.Mvc.StackExchangeRedis";

    [LoggerMessage(EventId = 100, EventName = "SseRedisConnectionFailed", Level = LogLevel.Warning,
        Message = "The Redis connection ({ConnectionType}, {EndPoint}) failed: {FailureType}. Streams stay open; publishing fails until it is back.")]
    public static partial void ConnectionFailed(ILogger logger, string connectionType, string? endPoint, string failureType, Exception? exception);

    [LoggerMessage(EventId = 101, EventName = "SseRedisConnectionRestored", Level = LogLevel.Information,
        Message = "The Redis connection ({ConnectionType}, {EndPoint}) is back; catching up {Count} channels.")]
    public static partial void ConnectionRestored(ILogger logger, string connectionType, string? endPoint, int count);

    [LoggerMessage(EventId = 102, EventName = "SseRedisSubscribeFailed", Level = LogLevel.Warning,
        Message = "Could not subscribe to channel {Channel} on Redis; retrying.")]
    public static partial void SubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 103, EventName = "SseRedisCatchUpFailed", Level = LogLevel.Warning,
        Message = "Could not catch up channel {Channel} from Redis; retrying when the connection is back.")]
    public static partial void CatchUpFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 104, EventName = "SseRedisCaughtUp", Level = LogLevel.Debug,
        Message = "Channel {Channel} caught up {Count} events from Redis after {From}.")]
    public static partial void CaughtUp(ILogger logger, string channel, int count, string from);

    [LoggerMessage(EventId = 105, EventName = "SseRedisGap", Level = LogLevel.Warning,
        Message = "Channel {Channel}: Redis no longer holds the events after {From}; its subscribers here get a gap event.")]
    public static partial void ChannelGap(ILogger logger, string channel, string from);

    [LoggerMessage(EventId = 106, EventName = "SseRedisBadEntry", Level = LogLevel.Warning,
        Message = "Channel {Channel}: skipped a Redis entry or announcement this hub did not write.")]
    public static partial void BadEntry(ILogger logger, string channel);

    [LoggerMessage(EventId = 107, EventName = "SseRedisResumeRetry", Level = LogLevel.Debug,
        Message = "A subscriber of channel {Channel} waits for Redis to read what it missed.")]
    public static partial void ResumeRetry(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 108, EventName = "SseRedisChannelReleased", Level = LogLevel.Trace,
        Message = "Channel {Channel} has had no subscriber here for a while; unsubscribed from Redis.")]
    public static partial void ChannelReleased(ILogger logger, string channel);

    [LoggerMessage(EventId = 109, EventName = "SseRedisConnectionLog", Level = LogLevel.Debug,
        Message = "{Line}")]
    public static partial void ConnectionLog(ILogger logger, string line);

    [LoggerMessage(EventId = 110, EventName = "SseRedisSubscribeRetry", Level = LogLevel.Debug,
        Message = "Still subscribing to channel {Channel} on Redis (attempt {Attempt}).")]
    public static partial void SubscribeRetry(ILogger logger, string channel, int attempt);

    [LoggerMessage(EventId = 111, EventName = "SseRedisAnnouncementFailed", Level = LogLevel.Error,
        Message = "Channel {Channel}: handling an announcement from Redis failed; delivery goes on with the next one.")]
    public static partial void AnnouncementFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 112, EventName = "SseRedisResumeFailed", Level = LogLevel.Error,
        Message = "Channel {Channel}: reading what a resuming subscriber missed failed; it gets a gap event instead.")]
    public static partial void ResumeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 113, EventName = "SseRedisSweepFailed", Level = LogLevel.Error,
        Message = "The periodic sweep of the Redis hub's channels failed; the next one runs as usual.")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 114, EventName = "SseRedisOpenedUnplaced", Level = LogLevel.Warning,
        Message = "Channel {Channel}: a stream opened before this instance could read from Redis where the channel stands (no answer within {Wait}); until it can, events published by other instances may not reach it.")]
    public static partial void OpenedUnplaced(ILogger logger, string channel, TimeSpan wait);

    [LoggerMessage(EventId = 115, EventName = "SseRedisPubSubMode", Level = LogLevel.Information,
        Message = "Redis is a {ServerType} server, version {Version}: channel announcements use {Mode} pub/sub.")]
    public static partial void PubSubMode(ILogger logger, string serverType, string version, string mode);

    [LoggerMessage(EventId = 116, EventName = "SseRedisStartupConnectFailed", Level = LogLevel.Warning,
        Message = "Could not create the Redis connection while the application started; it is tried again on first use.")]
    public static partial void StartupConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 117, EventName = "SseRedisClusterRerouted", Level = LogLevel.Information,
        Message = "The Redis Cluster node {EndPoint} is gone and its slots are served elsewhere; resubscribed there and catching up every channel.")]
    public static partial void ClusterRerouted(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 118, EventName = "SseRedisSubscriptionMoved", Level = LogLevel.Information,
        Message = "The sharded subscription to channel {Channel} moved from {From} to {To} (a slot migration or a failover); catching the channel up, since announcements made meanwhile were not heard.")]
    public static partial void SubscriptionMoved(ILogger logger, string channel, string from, string to);

    [LoggerMessage(EventId = 119, EventName = "SseRedisSubscriptionDeaf", Level = LogLevel.Warning,
        Message = "The sharded subscription to channel {Channel} handed in nothing for a sweep, and its stream holds {Newest}, past {Cursor}, the last entry delivered here: reading the cluster's slot map again, which moves the subscription, and catching the channel up.")]
    public static partial void SubscriptionDeaf(ILogger logger, string channel, string newest, string cursor);
}
