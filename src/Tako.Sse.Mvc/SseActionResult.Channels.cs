namespace Tako.Sse.Mvc;

// The channel subscriptions, beside the streams of SseActionResult.cs: static factories only, no state of their own.
public sealed partial class SseActionResult
{
    /// <summary>
    /// Creates a result that subscribes the request to a channel of the registered <see cref="ISseHub"/>: it
    /// streams what the client missed since <paramref name="lastEventId"/> (from the channel's history), then
    /// every event published to the channel while the response lasts. An id the history no longer holds gets a
    /// gap event first (<see cref="SseChannelOptions.GapEventName"/>), never an error status.
    /// </summary>
    /// <remarks>
    /// Who may subscribe is decided before the response starts. A user channel (a name whose last <c>#</c> is
    /// followed by user ids, such as <c>notifications#42</c>) is only for those users
    /// (<see cref="SseChannelOptions.UserIdClaimType"/>), and every <see cref="ISseChannelAuthorizer"/>
    /// registered must allow the channel. A refused request gets <c>401</c> (anonymous) or <c>403</c> (signed
    /// in), no event-stream header and no subscriber; an authorizer that throws makes it a <c>500</c>. A
    /// channel name taken from the route or query string needs one of those rules (or a check of your own).
    /// </remarks>
    /// <param name="channel">The channel's name: 1 to 256 characters, no control characters.</param>
    /// <param name="lastEventId">
    /// The client's <c>Last-Event-ID</c> (bind it with <c>[FromHeader(Name = "Last-Event-ID")] string?</c> or
    /// <c>[FromLastEventId]</c>), or <see langword="null"/> for live events only.
    /// </param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is empty, longer than 256 characters or contains a control character.</exception>
#pragma warning disable RS0026 // Two overloads with an optional lastEventId: DESIGN.md fixes both signatures.
    public static SseActionResult Subscribe(string channel, string? lastEventId = null)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        return new SseActionResult(new SseChannelSource(channel, lastEventId));
    }

    /// <summary>
    /// Subscribes the request to several channels on one stream: every event published to any of them, with
    /// the name and data its publisher gave it. Each event's <c>id:</c> is the subscription's cursor, the
    /// position of every channel as of that event, so a reconnect with it resumes every channel exactly: each
    /// continues after its own position, or gets its own gap event (whose JSON names the <c>channel</c>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The list comes from the client, so what is wrong with it is the client's mistake: an empty list, a bad
    /// name, a duplicate or more than <see cref="SseChannelOptions.MaxChannelsPerSubscription"/> channels is
    /// answered with <c>400</c> and a problem-details body, before any stream. Every channel must pass the
    /// rules of <see cref="Subscribe(string, string?)"/> (user channels, authorizers); one refused channel
    /// refuses the request.
    /// </para>
    /// <para>
    /// Each channel's own order holds; no order is promised between two channels. A channel the cursor does
    /// not name joins live; channels the cursor names but the list does not are ignored; a cursor that is not
    /// one (malformed, or an id of a single channel) gives every channel a gap, never an error status.
    /// </para>
    /// </remarks>
    /// <param name="channels">The channels, in any order (for example <c>[FromQuery(Name = "channel")] string[]</c>).</param>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c> (the cursor), or <see langword="null"/> for live events only.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channels"/> is <see langword="null"/>.</exception>
    public static SseActionResult Subscribe(IEnumerable<string> channels, string? lastEventId = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        return new SseActionResult(new SseMultiChannelSource([.. channels], lastEventId));
    }
#pragma warning restore RS0026
}
