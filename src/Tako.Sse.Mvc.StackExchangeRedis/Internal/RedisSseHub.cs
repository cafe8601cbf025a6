using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <see cref="ISseHub"/> that <c>AddStackExchangeRedis</c> registers: each channel's history and ids live in
/// a Redis stream, new entries are announced on pub/sub, and the local fan-out (queues, slow-subscriber
/// policies, gap events, encode-once) is the core's, inherited from <see cref="SseChannelHub"/>.
/// </summary>
/// <remarks>
/// <para>
/// Publishing runs <see cref="RedisAppendScript"/>: append, trim, announce, atomically. It does not deliver
/// locally: the publishing instance gets its own announcement like every other instance, so all of them
/// deliver one order.
/// </para>
/// <para>
/// An instance subscribes once per channel it serves (<see cref="RedisSubscriptions"/>), however many browsers
/// listen, and encodes each event once. A subscriber is registered at once (its response opens even while
/// Redis is down); one that resumes is held until <see cref="RedisResume"/> has read what it missed.
/// </para>
/// </remarks>
internal sealed class RedisSseHub : SseChannelHub, IAsyncDisposable, IDisposable
{
    private int _openingsWaiting;

    public RedisSseHub(
        ISseEncoder encoder,
        IOptions<TakoSseOptions> options,
        IOptions<TakoSseRedisOptions> redisOptions,
        TimeProvider timeProvider,
        SseChannelMetrics metrics,
        ILoggerFactory loggerFactory)
        : base(encoder, options.Value.Channels, timeProvider, metrics, loggerFactory.CreateLogger(typeof(ISseHub).FullName!))
    {
        RedisLogger = loggerFactory.CreateLogger(RedisLog.Category);
        Keys = new RedisKeys(redisOptions.Value.KeyPrefix);
        PubSub = new RedisPubSubMode(RedisLogger);
        Connection = new RedisConnection(redisOptions.Value, RedisLogger, OnConnectionRestored, OnConnectionFailed);
        Subscriptions = new RedisSubscriptions(this);
        Reroute = new RedisClusterReroute(
            () => Connection.Current,
            () => Subscriptions.Channels.Select(c => Keys.Announcements(c, sharded: true)),
            () =>
            {
                Subscriptions.CatchUpAll();
                Subscriptions.ScheduleRecheck();
            },
            RedisLogger,
            TimeProvider,
            () => RetryDelay,
            Subscriptions.Stopping);
    }

    public ILogger RedisLogger { get; }

    public RedisKeys Keys { get; }

    public RedisConnection Connection { get; }

    /// <summary>Gets which pub/sub carries the announcements (sharded on a Redis 7 cluster), detected at connection.</summary>
    public RedisPubSubMode PubSub { get; }

    public RedisSubscriptions Subscriptions { get; }

    /// <summary>Gets the failover watch of a Redis Cluster (see <see cref="RedisClusterReroute"/>).</summary>
    public RedisClusterReroute Reroute { get; }

    /// <summary>Gets how long a channel's stream outlives its last publication (settable for tests).</summary>
    public RedisKeyLifetime KeyLifetime { get; } = new();

    /// <summary>Gets how long a failed Redis call waits before it is tried again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long a response to a channel this instance does not serve yet waits, before it opens,
    /// for the instance to read where the channel stands in Redis (one round trip when Redis answers).
    /// </summary>
    public TimeSpan OpeningWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the number of responses waiting to open (see <see cref="OpeningWait"/>), for tests.</summary>
    internal int OpeningsWaiting => Volatile.Read(ref _openingsWaiting);

    public TimeProvider Time => TimeProvider;

    public override async ValueTask<string> PublishAsync(string channel, SseEvent sseEvent, CancellationToken cancellationToken = default)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        if (sseEvent.Id is not null)
        {
            throw new ArgumentException("A published event cannot carry an id: the hub gives every event its id, and resume depends on it.", nameof(sseEvent));
        }

        // Only before anything is sent: once the script is on its way, the event may be published whatever we do.
        cancellationToken.ThrowIfCancellationRequested();
        var payload = RedisEventPayload.Serialize(sseEvent);
        var multiplexer = await Connection.GetAsync().ConfigureAwait(false);
        var sharded = await PubSub.ResolveAsync(multiplexer).ConfigureAwait(false);
        var id = await RedisAppendScript.AppendAsync(multiplexer.GetDatabase(), Keys, channel, payload, Options, sharded, KeyLifetime.Milliseconds(Options)).ConfigureAwait(false);
        Metrics.Published();
        return id;
    }

    public override SseSubscriber Subscribe(string channel, string? lastEventId, Action abort)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        ArgumentNullException.ThrowIfNull(abort);
        var resume = !string.IsNullOrEmpty(lastEventId);
        while (true)
        {
            var state = Subscriptions.GetOrAdd(channel);
            SseSubscriber subscriber;
            RedisStreamId? cursor;
            lock (state.Gate)
            {
                if (state.Removed)
                {
                    continue;
                }

                subscriber = Register(channel, abort, resume);
                cursor = state.Cursor;
                state.IdleSweeps = 0;
            }

            if (resume)
            {
                // Exact by id whenever Redis answers: the response can open at once.
                _ = RedisResume.JoinAsync(this, state, subscriber, lastEventId!, cursor);
            }
            else if (!state.Placed.IsCompleted)
            {
                // A live-only client takes onopen as "from now on": until the instance knows the channel's newest
                // id, an event published now would not be delivered here, so the response waits for it.
                subscriber.OpenAfter(OpenWhenPlacedAsync(state));
            }

            return subscriber;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Subscriptions.Dispose();
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    // A container disposed synchronously (a bare ServiceProvider in a using) must not throw for want of this.
    public void Dispose()
    {
        Subscriptions.Dispose();
        Connection.Dispose();
    }

    /// <summary>
    /// Under the state's lock: encodes an entry once and hands it to this instance's subscribers of the channel,
    /// moving the cursor. False when the payload is not one this hub wrote (the cursor moves anyway).
    /// </summary>
    public void Deliver(RedisChannelState state, RedisStreamId id, ReadOnlySpan<byte> payload)
    {
        state.Cursor = id;
        if (CreateFrame(state.Name, id, payload) is { } frame)
        {
            DeliverLocally(state.Name, frame);
        }
    }

    /// <summary>Under the state's lock: tells the channel's subscribers here that Redis no longer holds what followed <paramref name="from"/>.</summary>
    public void DeliverGap(string channel, string from, RedisStreamId before)
    {
        DeliverLocally(channel, Gaps.Create(from, SseGapFrames.Expired, before.IsZero ? string.Empty : before.ToString()));
        Metrics.GapSent(SseGapFrames.Expired);
    }

    /// <summary>Encodes an entry with its id, once; <see langword="null"/> (and a log entry) for one this hub did not write.</summary>
    public SseChannelFrame? CreateFrame(string channel, RedisStreamId id, ReadOnlySpan<byte> payload)
    {
        if (!RedisEventPayload.TryDeserialize(payload, out var sseEvent))
        {
            RedisLog.BadEntry(RedisLogger, channel);
            return null;
        }

        var text = id.ToString();
        return new SseChannelFrame(text, 0, EncodeOnce(sseEvent.WithId(text)), 0);
    }

    private SseSubscriber Register(string channel, Action abort, bool hold)
    {
        while (true)
        {
            var found = GetOrAddChannel(channel);
            lock (found.Gate)
            {
                if (found.Removed)
                {
                    continue;
                }

                var subscriber = AddSubscriber(found, abort, null, null);
                if (hold)
                {
                    subscriber.Hold();
                }

                return subscriber;
            }
        }
    }

    // Never faults: the response opens once the channel is placed, or after OpeningWait with a warning (Redis does
    // not answer; the stream opens all the same, as a client must not wait on an outage), or when the state is
    // released (its last subscriber left).
    private async Task OpenWhenPlacedAsync(RedisChannelState state)
    {
        Interlocked.Increment(ref _openingsWaiting);
        try
        {
            await state.Placed.WaitAsync(OpeningWait, TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            RedisLog.OpenedUnplaced(RedisLogger, state.Name, OpeningWait);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _openingsWaiting);
        }
    }

    private void OnConnectionFailed(ConnectionFailedEventArgs e)
    {
        if (PubSub.IsSharded)
        {
            Reroute.OnConnectionFailed(e.EndPoint);
        }
    }

    private void OnConnectionRestored(ConnectionFailedEventArgs e)
    {
        if (Connection.Current is { } multiplexer)
        {
            PubSub.TryResolve(multiplexer);
        }

        var count = Subscriptions.CatchUpAll();
        Subscriptions.ScheduleRecheck();
        RedisLog.ConnectionRestored(RedisLogger, e.ConnectionType.ToString(), e.EndPoint?.ToString(), count);
    }
}
