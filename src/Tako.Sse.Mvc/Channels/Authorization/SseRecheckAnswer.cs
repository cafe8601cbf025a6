namespace Tako.Sse.Mvc;

/// <summary>
/// One channel's answer to a re-check. A reference, so a re-check that times out reads whole answers or none
/// while late ones are still being written.
/// </summary>
/// <param name="Refusal">
/// <see langword="null"/> when allowed; else why not, or <see cref="SseSubscriptionRefusal.ReasonAuthorizerFailed"/>
/// for an authorizer that threw (the channel then stays).
/// </param>
internal sealed record SseRecheckAnswer(SseSubscriptionRefusal? Refusal);
