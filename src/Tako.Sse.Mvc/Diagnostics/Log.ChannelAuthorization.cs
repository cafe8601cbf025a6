using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

// Who may subscribe (ids 35-41 of the channels' 30-49), under the category Tako.Sse.Mvc.ISseHub. A refused
// client is not an error of ours: Information. An authorizer that throws is the application's bug: Error at
// subscribe time; on the re-check of an open stream only a Warning, as the channel stays (a flaky database must
// not close every stream).
internal static partial class Log
{
    [LoggerMessage(EventId = 35, EventName = "SseChannelUserChannelRefused", Level = LogLevel.Information,
        Message = "A subscription to the user channel {Channel} was refused with {StatusCode}: the request has no {ClaimType} claim naming one of its ids.")]
    public static partial void UserChannelRefused(ILogger logger, string channel, int statusCode, string claimType);

    [LoggerMessage(EventId = 36, EventName = "SseChannelAuthorizerRefused", Level = LogLevel.Information,
        Message = "A subscription to channel {Channel} was refused with {StatusCode} by the channel authorizer {Authorizer}.")]
    public static partial void AuthorizerRefused(ILogger logger, string channel, int statusCode, string authorizer);

    [LoggerMessage(EventId = 37, EventName = "SseChannelAuthorizerFailed", Level = LogLevel.Error,
        Message = "The channel authorizer {Authorizer} threw when asked about channel {Channel}: the request got 500 and no stream.")]
    public static partial void AuthorizerFailed(ILogger logger, string authorizer, string channel, Exception exception);

    [LoggerMessage(EventId = 38, EventName = "SseChannelListRefused", Level = LogLevel.Information,
        Message = "A subscription to several channels was refused with 400: {Problem}")]
    public static partial void ChannelListRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 39, EventName = "SseChannelRevoked", Level = LogLevel.Information,
        Message = "The re-check of an open stream took channel {Channel} away from it ({Reason}: {Rule}); the stream sent a revoked event and goes on with {Remaining} channels.")]
    public static partial void ChannelRevoked(ILogger logger, string channel, string reason, string rule, int remaining);

    [LoggerMessage(EventId = 40, EventName = "SseChannelRecheckFailed", Level = LogLevel.Warning,
        Message = "The channel authorizer {Authorizer} threw when channel {Channel} of an open stream was re-checked: the channel stays, and is asked again at the next re-check.")]
    public static partial void RecheckFailed(ILogger logger, string authorizer, string channel, Exception exception);

    [LoggerMessage(EventId = 41, EventName = "SseChannelRecheckTimedOut", Level = LogLevel.Warning,
        Message = "The re-check of channel {Channel} of an open stream did not answer within {Timeout}: the channel stays, and is asked again at the next re-check.")]
    public static partial void RecheckTimedOut(ILogger logger, string channel, TimeSpan timeout);
}
