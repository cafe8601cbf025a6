using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

// Who may subscribe (ids 35-38 of the channels' 30-49), under the category Tako.Sse.Mvc.ISseHub. A refused
// client is not an error of ours: Information. An authorizer that throws is the application's bug: Error.
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
}
