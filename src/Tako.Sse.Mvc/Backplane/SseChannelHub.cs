using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// The base of every hub that <see cref="SseActionResult.Subscribe(string, string?)"/> works with: the in-memory hub
/// (<see cref="InMemorySseHub"/>) and backplanes (a sibling assembly, such as Tako.Sse.Mvc.StackExchangeRedis).
/// It checks the arguments of <see cref="PublishAsync"/>, <see cref="Subscribe"/> and
/// <see cref="GetSubscriberCount"/> once for all of them, and holds what every hub's subscribers share.
/// </summary>
/// <remarks>
/// <para>
/// A hub keeps its own table of channels; each entry holds an <see cref="SseSubscriberSet"/> and a lock. To
/// subscribe, it creates an <see cref="SseSubscriber"/> on <see cref="Subscribers"/> with a leave callback that
/// takes it out of its entry, adds it to the set under the lock, and returns it. To deliver, it encodes each
/// event once (<see cref="Frames"/>) and calls <see cref="SseSubscriberSet.Deliver"/> under the same lock, so
/// every subscriber of the channel sees one order, then <see cref="SseSubscriberSet.DrainAsync"/> after it, which
/// has the frames handed to the subscribers' queues. See <c>docs/backplanes.md</c>.
/// </para>
/// <para>
/// Subscribing is the internal contract between <see cref="SseActionResult"/> and the hub: the result finds the
/// registered <see cref="ISseHub"/> and, when it derives from this class, calls <see cref="Subscribe"/>. A
/// user's own <see cref="ISseHub"/> can publish but not serve subscriptions.
/// </para>
/// </remarks>
internal abstract class SseChannelHub : ISseHub
{
    protected SseChannelHub(ISseEncoder encoder, SseChannelOptions options, SseChannelMetrics metrics, ILogger logger)
    {
        Options = options;
        Metrics = metrics;
        Logger = logger;
        Frames = new SseFrameEncoder(encoder);
        Subscribers = new SseSubscriberContext(options, metrics, new SseGapFrames(encoder, options.GapEventName), logger);
    }

    public SseChannelOptions Options { get; }

    public SseChannelMetrics Metrics { get; }

    /// <summary>Gets the channels' logger (category <c>Tako.Sse.Mvc.ISseHub</c>).</summary>
    public ILogger Logger { get; }

    /// <summary>Gets what this hub's subscribers share: options, metrics, gap events, logger.</summary>
    public SseSubscriberContext Subscribers { get; }

    /// <summary>Gets the encode-once of published events.</summary>
    protected SseFrameEncoder Frames { get; }

    /// <inheritdoc />
    public ValueTask<string> PublishAsync(string channel, SseEvent sseEvent, CancellationToken cancellationToken = default)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        if (sseEvent.Id is not null)
        {
            throw new ArgumentException("A published event cannot carry an id: the hub gives every event its id, and resume depends on it.", nameof(sseEvent));
        }

        // Only before anything is sent: once a backplane's request is on its way, the event may be published
        // whatever we do.
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<string>(cancellationToken);
        }

        return PublishCoreAsync(channel, sseEvent);
    }

    /// <inheritdoc />
    public int GetSubscriberCount(string channel)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        return CountSubscribers(channel);
    }

    /// <summary>
    /// Subscribes a request: registers a subscriber whose first frames are what the client missed since
    /// <paramref name="lastEventId"/> (or a gap event), then every live frame.
    /// </summary>
    /// <param name="channel">The channel's name (validated here).</param>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, or <see langword="null"/>.</param>
    /// <param name="abort">Aborts the request's connection (used by the Disconnect policy).</param>
    public SseSubscriber Subscribe(string channel, string? lastEventId, Action abort)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        ArgumentNullException.ThrowIfNull(abort);
        return SubscribeCore(channel, lastEventId, abort);
    }

    /// <summary>
    /// Subscribes a request to several channels on one stream: every event's <c>id:</c> is the subscription's
    /// cursor (<see cref="SseCursor"/>), and each channel resumes from its own position in
    /// <paramref name="cursor"/>, joins live when the cursor does not name it, or opens with its own gap.
    /// </summary>
    /// <param name="channels">The channels: valid names, no duplicate (the caller has checked the list).</param>
    /// <param name="cursor">The client's <c>Last-Event-ID</c>, or <see langword="null"/>.</param>
    /// <param name="abort">Aborts the request's connection (used by the Disconnect policy).</param>
    public SseSubscriber SubscribeMany(string[] channels, string? cursor, Action abort)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(abort);
        foreach (var channel in channels)
        {
            SseChannelNames.Validate(channel, nameof(channels));
        }

        return SubscribeManyCore(channels, cursor, abort);
    }

    /// <summary>Publishes a checked event (no id) to a valid channel name; the id it returns is the event's.</summary>
    protected abstract ValueTask<string> PublishCoreAsync(string channel, SseEvent sseEvent);

    /// <summary>Subscribes to a valid channel name (see <see cref="Subscribe"/>).</summary>
    protected abstract SseSubscriber SubscribeCore(string channel, string? lastEventId, Action abort);

    /// <summary>Subscribes to several valid channel names (see <see cref="SubscribeMany"/>).</summary>
    protected abstract SseSubscriber SubscribeManyCore(string[] channels, string? cursor, Action abort);

    /// <summary>Counts this instance's subscribers of a valid channel name.</summary>
    protected abstract int CountSubscribers(string channel);
}
