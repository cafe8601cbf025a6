namespace Tako.Sse.Mvc;

/// <summary>Why a subscription was refused: the reason (a metric tag), the channel, the answer the client gets.</summary>
/// <param name="Reason">One of the <c>Reason*</c> constants.</param>
/// <param name="Channel">The channel that decided it (the first refused one).</param>
/// <param name="StatusCode">401, 403, or 500 for an authorizer that threw.</param>
/// <param name="Authorizer">The authorizer that refused or threw; <see langword="null"/> for the user-channel rule.</param>
/// <param name="Exception">What the authorizer threw, for <see cref="ReasonAuthorizerFailed"/>.</param>
internal sealed record SseSubscriptionRefusal(string Reason, string Channel, int StatusCode, ISseChannelAuthorizer? Authorizer = null, Exception? Exception = null)
{
    /// <summary>The channel is a user channel of other users (or the request is anonymous).</summary>
    public const string ReasonUserChannel = "user_channel";

    /// <summary>An <see cref="ISseChannelAuthorizer"/> said no.</summary>
    public const string ReasonAuthorizer = "authorizer";

    /// <summary>The list of channels of a stream of several is empty, too long, or holds a bad name or a duplicate: a 400.</summary>
    public const string ReasonBadList = "bad_list";

    /// <summary>An <see cref="ISseChannelAuthorizer"/> threw: a 500, the application's bug.</summary>
    public const string ReasonAuthorizerFailed = "authorizer_failed";
}
