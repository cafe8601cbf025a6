using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// The local half of every hub that <see cref="SseActionResult.Subscribe"/> works with: the table of this
/// instance's channels, their subscribers and bounded queues, the slow-subscriber policies, gap events, the
/// channel-name rule and encode-once. A hub supplies the rest, where history and ids live and how a
/// publication travels: <see cref="InMemorySseHub"/> keeps them in this process; a backplane (a sibling
/// assembly with access to the internals) keeps them elsewhere and calls <see cref="DeliverLocally"/> for each
/// event that reaches this instance.
/// </summary>
/// <remarks>
/// Subscribing is the internal contract between <see cref="SseActionResult"/> and the hub: the result finds the
/// registered <see cref="ISseHub"/> and, when it derives from this class, calls <see cref="Subscribe"/>. A
/// user's own <see cref="ISseHub"/> can publish but not serve subscriptions.
/// </remarks>
internal abstract class SseChannelHub : ISseHub
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_encodeBuffer;

    private readonly ConcurrentDictionary<string, SseChannel> _channels = new(StringComparer.Ordinal);

    protected SseChannelHub(ISseEncoder encoder, SseChannelOptions options, TimeProvider timeProvider, SseChannelMetrics metrics, ILogger logger)
    {
        Encoder = encoder;
        Options = options;
        TimeProvider = timeProvider;
        Metrics = metrics;
        Logger = logger;
        Gaps = new SseGapFrames(encoder, options.GapEventName);
    }

    public SseChannelOptions Options { get; }

    public SseChannelMetrics Metrics { get; }

    public SseGapFrames Gaps { get; }

    public ILogger Logger { get; }

    protected ISseEncoder Encoder { get; }

    protected TimeProvider TimeProvider { get; }

    /// <summary>Gets the number of channels on this instance (for tests and measurements).</summary>
    internal int ChannelCount => _channels.Count;

    public abstract ValueTask<string> PublishAsync(string channel, SseEvent sseEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes a request: registers a subscriber whose first frames are what the client missed since
    /// <paramref name="lastEventId"/> (or a gap event), then every live frame.
    /// </summary>
    /// <param name="channel">A validated channel name.</param>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, or <see langword="null"/>.</param>
    /// <param name="abort">Aborts the request's connection (used by the Disconnect policy).</param>
    public abstract SseSubscriber Subscribe(string channel, string? lastEventId, Action abort);

    public int GetSubscriberCount(string channel)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        return _channels.TryGetValue(channel, out var found) ? found.SubscriberCount : 0;
    }

    /// <summary>Removes a subscriber (its response has ended) and, when that empties the channel, the channel.</summary>
    public void Unsubscribe(SseSubscriber subscriber)
    {
        var channel = subscriber.Channel;
        bool removed;
        lock (channel.Gate)
        {
            removed = channel.Remove(subscriber);
            MarkRemovedIfEmpty(channel);
        }

        if (removed)
        {
            Metrics.SubscriberRemoved();
        }

        ForgetIfRemoved(channel);
    }

    /// <summary>Hands an event that reached this instance to the channel's local subscribers, without history.</summary>
    public void DeliverLocally(string channel, SseChannelFrame frame)
    {
        if (!_channels.TryGetValue(channel, out var found))
        {
            return;
        }

        List<SseSubscriber>? refused = null;
        lock (found.Gate)
        {
            found.Deliver(frame, ref refused);
        }

        DisconnectRefused(found, refused);
    }

    /// <summary>Gets the channel, adding it when there is none. The caller must re-check <see cref="SseChannel.Removed"/> under its lock.</summary>
    protected SseChannel GetOrAddChannel(string channel) => _channels.GetOrAdd(channel, static name => new SseChannel(name));

    /// <summary>Gets every channel of this instance, for a sweep.</summary>
    protected IEnumerable<SseChannel> AllChannels
    {
        get
        {
            // Enumerating the dictionary itself takes no snapshot: 100,000 channels cost no 100,000-slot copy.
            foreach (var pair in _channels)
            {
                yield return pair.Value;
            }
        }
    }

    /// <summary>Under the channel's lock: marks a channel with no subscriber and no history as removed.</summary>
    protected static void MarkRemovedIfEmpty(SseChannel channel)
    {
        if (channel.IsEmpty)
        {
            channel.Removed = true;
        }
    }

    /// <summary>After the channel's lock: takes a channel marked removed out of the table (only that instance).</summary>
    protected void ForgetIfRemoved(SseChannel channel)
    {
        if (channel.Removed && _channels.TryRemove(new KeyValuePair<string, SseChannel>(channel.Name, channel)))
        {
            Log.ChannelRemoved(Logger, channel.Name);
        }
    }

    /// <summary>Registers a subscriber under the channel's lock.</summary>
    protected SseSubscriber AddSubscriber(SseChannel channel, Action abort, SseChannelFrame? opening, SseChannelFrame[]? missed)
    {
        var subscriber = new SseSubscriber(this, channel, abort, opening, missed);
        channel.Add(subscriber);
        Metrics.SubscriberAdded();
        return subscriber;
    }

    /// <summary>After the channel's lock: aborts the subscribers the Disconnect policy refused.</summary>
    protected void DisconnectRefused(SseChannel channel, List<SseSubscriber>? refused)
    {
        if (refused is null)
        {
            return;
        }

        foreach (var subscriber in refused)
        {
            Metrics.SubscriberRemoved();
            Metrics.SlowDisconnected();
            Log.SlowSubscriberDisconnected(Logger, channel.Name, Options.SubscriberQueueSize);
            subscriber.Disconnect();
        }
    }

    /// <summary>
    /// Encodes an event (with its id) once, through the registered encoder, into the bytes every subscriber
    /// copies. The encoder writes into a per-thread buffer; only the exact-size result is allocated.
    /// </summary>
    protected byte[] EncodeOnce(in SseEvent sseEvent)
    {
        var buffer = t_encodeBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        try
        {
            Encoder.Encode(sseEvent, buffer);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // One huge event must not pin a huge buffer to the thread for good.
            if (buffer.Capacity > 64 * 1024)
            {
                t_encodeBuffer = null;
            }
        }
    }
}
