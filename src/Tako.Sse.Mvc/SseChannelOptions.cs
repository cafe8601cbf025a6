using System.Security.Claims;

namespace Tako.Sse.Mvc;

/// <summary>
/// Options of the channels of <see cref="ISseHub"/>: <see cref="TakoSseOptions.Channels"/>, bound from the
/// <c>Tako:Sse:Channels</c> configuration section and validated when the application starts.
/// </summary>
public sealed class SseChannelOptions
{
    /// <summary>
    /// Gets or sets how many events each channel keeps for <c>Last-Event-ID</c> resume; 0 keeps none (every
    /// resume then gets a gap event). It cannot be negative. Default: 1000.
    /// </summary>
    public int HistorySize { get; set; } = 1000;

    /// <summary>
    /// Gets or sets how long an event stays in its channel's history; <see langword="null"/> sets no age limit.
    /// It must be positive when set. Default: 5 minutes.
    /// </summary>
    public TimeSpan? HistoryMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how many events may wait for one subscriber before
    /// <see cref="SlowSubscriberPolicy"/> applies. It must be at least 1. Default: 1024.
    /// </summary>
    public int SubscriberQueueSize { get; set; } = 1024;

    /// <summary>
    /// Gets or sets what happens to a subscriber whose queue is full. Default:
    /// <see cref="SseSlowSubscriberPolicy.Disconnect"/>.
    /// </summary>
    public SseSlowSubscriberPolicy SlowSubscriberPolicy { get; set; } = SseSlowSubscriberPolicy.Disconnect;

    /// <summary>
    /// Gets or sets the <c>event:</c> name of the gap event, sent when a subscriber missed events the history
    /// cannot give it (an expired or unknown <c>Last-Event-ID</c>, or events dropped by
    /// <see cref="SseSlowSubscriberPolicy.DropOldest"/>). It cannot be empty or contain a line break.
    /// Default: <c>tako.gap</c>.
    /// </summary>
    public string GapEventName { get; set; } = "tako.gap";

    /// <summary>
    /// Gets or sets the most channels one subscription of several
    /// (<see cref="SseActionResult.Subscribe(IEnumerable{string}, string?)"/>) may ask for: a longer list is
    /// refused with <c>400</c>, before any stream. It must be at least 1. Default: 32.
    /// </summary>
    public int MaxChannelsPerSubscription { get; set; } = 32;

    /// <summary>
    /// Gets or sets the claim type that holds a user's id for user channels: a channel whose name's last
    /// <c>#</c> is followed by a comma-separated list of ids (<c>notifications#42</c>, <c>dialog#42,57</c>) can
    /// be subscribed only by a signed-in user with a claim of this type whose value is one of those ids
    /// (<c>401</c> for an anonymous request, <c>403</c> for another user). The rule holds for every
    /// subscription, with or without an <see cref="ISseChannelAuthorizer"/>; publishing is not restricted. It
    /// cannot be empty. Default: <see cref="ClaimTypes.NameIdentifier"/>.
    /// </summary>
    public string UserIdClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>
    /// Gets or sets how often each open subscription's channels are asked again, through the same rules as when
    /// it subscribed (the user-channel rule and every <see cref="ISseChannelAuthorizer"/>); <see langword="null"/>
    /// turns the re-check off. The checks are spread over the interval: a subscription's first re-check comes at
    /// its own offset within it, so streams opened together are not all re-checked in the same second. A channel
    /// no longer allowed leaves the stream, which sends a <see cref="RevokedEventName"/> event naming it; a stream
    /// with no channel left ends. A re-check that throws, or does not answer within the smaller of the interval
    /// and 30 seconds, keeps the channel (and logs a warning). It must be positive when set. Default:
    /// <see langword="null"/> (off).
    /// </summary>
    public TimeSpan? ReauthorizeInterval { get; set; }

    /// <summary>
    /// Gets or sets the <c>event:</c> name of the event a stream sends when a re-check
    /// (<see cref="ReauthorizeInterval"/>) takes a channel away from it; its data is JSON
    /// <c>{"channel":"…"}</c>. It cannot be empty or contain a line break. Default: <c>tako.revoked</c>.
    /// </summary>
    public string RevokedEventName { get; set; } = "tako.revoked";

    /// <summary>
    /// The app's JSON options, for typed publishing; set by <c>AddTakoSse</c>. A field, not a property, so that
    /// configuration binding never sees it.
    /// </summary>
    internal Lazy<System.Text.Json.JsonSerializerOptions?>? PublishingJsonOptions;
}
