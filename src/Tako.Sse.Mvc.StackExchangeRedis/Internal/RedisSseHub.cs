using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <see cref="ISseHub"/> that <c>AddStackExchangeRedis</c> registers: each channel's history and ids live in
/// a Redis stream, new entries are announced on pub/sub, and the local fan-out (queues, slow-subscriber
/// policies, gap events) is the core's backplane contract (<see cref="SseChannelHub"/>, <see cref="SseSubscriberSet"/>).
/// </summary>
/// <remarks>
/// <para>
/// This class orchestrates; each mechanism is a leaf of its own, given only what it needs: publishing runs
/// <see cref="RedisAppendScript"/> (append, trim, announce, atomically; the wire format is
/// <see cref="RedisProtocol"/>'s). It does not deliver locally: the publishing instance gets its own
/// announcement like every other instance, so all of them deliver one order.
/// </para>
/// <para>
/// An instance subscribes once per channel it serves, however many browsers listen: the one per-channel table is
/// <see cref="RedisChannelTable"/>, each channel's subscription runs in <see cref="RedisChannelLoop"/>, missed
/// announcements are read back by <see cref="RedisCatchUp"/>, idle channels are released by
/// <see cref="RedisSweep"/>. A subscriber is registered at once (its response opens even while Redis is down);
/// one that resumes is held until <see cref="RedisResume"/> has read what it missed.
/// </para>
/// </remarks>
internal sealed class RedisSseHub : SseChannelHub, IAsyncDisposable, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _redisLogger;
    private readonly RedisKeys _keys;
    private readonly RedisConnection _connection;
    private readonly RedisRetry _retry;
    private readonly RedisChannelTable _channels;
    private readonly RedisResume _resume;
    private readonly RedisSweep _sweep;
    private readonly Action<SseSubscriber, object, int> _leave;
    private readonly RedisClusterReroute _reroute;
    private readonly RedisPlacement _placement;

    public RedisSseHub(
        ISseEncoder encoder,
        IOptions<TakoSseOptions> options,
        IOptions<TakoSseRedisOptions> redisOptions,
        TimeProvider timeProvider,
        SseChannelMetrics metrics,
        ILoggerFactory loggerFactory)
        : base(encoder, options.Value.Channels, metrics, loggerFactory.CreateLogger(typeof(ISseHub).FullName!))
    {
        _timeProvider = timeProvider;
        _redisLogger = loggerFactory.CreateLogger(RedisLog.Category);
        _placement = new RedisPlacement(timeProvider, _redisLogger);
        _keys = new RedisKeys(redisOptions.Value.KeyPrefix);
        PubSub = new RedisPubSubMode(_redisLogger);
        _connection = new RedisConnection(redisOptions.Value, _redisLogger, OnConnectionRestored, OnConnectionFailed);
        _retry = new RedisRetry(timeProvider, _stopping.Token);
        var frames = new RedisFrames(Frames, Subscribers, _redisLogger);
        var catchUp = new RedisCatchUp(_connection, _keys, frames, _redisLogger, _stopping.Token);
        var loop = new RedisChannelLoop(_connection, _keys, PubSub, catchUp, _retry, _redisLogger);
        _channels = new RedisChannelTable(loop.RunAsync);
        _resume = new RedisResume(_connection, _keys, frames, catchUp, _retry, Subscribers, _redisLogger);
        _sweep = new RedisSweep(
            _channels,
            catchUp,
            timeProvider,
            _redisLogger,
            new RedisClusterProbe(_connection, _keys, PubSub));
        _leave = static (subscriber, states, slot) =>
        {
            if (((RedisChannelState[])states)[slot] is { } state)
            {
                Leave(subscriber, state, slot);
            }
        };
        _reroute = new RedisClusterReroute(
            () => _connection.Current,
            () => _channels.States.Select(s => _keys.Announcements(s.Name, sharded: true)),
            () =>
            {
                _sweep.CatchUpAll();
                _sweep.ScheduleRecheck();
            },
            _redisLogger,
            timeProvider,
            () => RetryDelay,
            _stopping.Token);
    }

    /// <summary>Gets the Redis package's logger (category <see cref="RedisLog.Category"/>).</summary>
    public ILogger RedisLogger => _redisLogger;

    /// <summary>Gets which pub/sub carries the announcements (sharded on a Redis 7 cluster), detected at connection.</summary>
    public RedisPubSubMode PubSub { get; }

    /// <summary>Gets how long a channel's stream outlives its last publication (settable for tests).</summary>
    public RedisKeyLifetime KeyLifetime { get; } = new();

    /// <summary>
    /// Gets whether this instance is still catching up after a reconnect, or has a channel whose catch-up failed
    /// and waits for a retry: what the health check reports as degraded.
    /// </summary>
    public bool CatchingUp => _sweep.CatchingUp;

    /// <summary>Gets how long a failed Redis call waits before it is tried again.</summary>
    public TimeSpan RetryDelay
    {
        get => _retry.Delay;
        set => _retry.Delay = value;
    }

    /// <summary>
    /// Gets or sets how long a response to a channel this instance does not serve yet waits, before it opens,
    /// for the instance to read where the channel stands in Redis (one round trip when Redis answers).
    /// </summary>
    public TimeSpan OpeningWait
    {
        get => _placement.OpeningWait;
        set => _placement.OpeningWait = value;
    }

    /// <summary>Gets the number of responses waiting to open (see <see cref="OpeningWait"/>), for tests.</summary>
    internal int OpeningsWaiting => _placement.Waiting;

    /// <summary>Gets the channels this instance serves (subscribed or subscribing), for tests.</summary>
    internal RedisChannelTable Channels => _channels;

    /// <summary>Gets the connection, for tests.</summary>
    internal RedisConnection Connection => _connection;

    /// <summary>Runs a sweep now (tests; the timer runs one every <see cref="RedisSweep.Period"/>).</summary>
    internal void Sweep() => _sweep.Run();

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    // A container disposed synchronously (a bare ServiceProvider in a using) must not throw for want of this.
    public void Dispose()
    {
        Stop();
        _connection.Dispose();
    }

    protected override async ValueTask<string> PublishCoreAsync(string channel, SseEvent sseEvent)
    {
        var payload = RedisProtocol.Serialize(sseEvent);
        var multiplexer = await _connection.GetAsync().ConfigureAwait(false);
        var sharded = await PubSub.ResolveAsync(multiplexer).ConfigureAwait(false);
        var id = await RedisAppendScript.AppendAsync(multiplexer.GetDatabase(), _keys, channel, payload, Options, sharded, KeyLifetime.Milliseconds(Options)).ConfigureAwait(false);
        Metrics.Published();
        return id;
    }

    protected override SseSubscriber SubscribeCore(string channel, string? lastEventId, Action abort)
    {
        var resume = !string.IsNullOrEmpty(lastEventId);
        var states = new RedisChannelState[1];
        var subscriber = new SseSubscriber(Subscribers, channel, abort, _leave, states);
        var (state, cursor) = Register(channel, subscriber, 0);
        states[0] = state;
        if (resume)
        {
            // Exact by id whenever Redis answers: the response can open at once.
            _ = _resume.JoinAsync(state, subscriber, lastEventId!, cursor);
        }
        else
        {
            subscriber.OpenAfter(_placement.OpenLiveAsync(state, cursor, subscriber));
        }

        return subscriber;
    }

    protected override SseSubscriber SubscribeManyCore(string[] channels, string? cursor, Action abort)
    {
        var positions = SseCursor.Parse(cursor);
        var foreign = positions is null && !string.IsNullOrEmpty(cursor);
        var states = new RedisChannelState[channels.Length];
        var subscriber = new SseSubscriber(Subscribers, string.Join(',', channels), abort, _leave, states, slots: channels.Length)
        {
            Cursor = new SseCursor(channels),
        };
        var joins = new Task<RedisJoin>[channels.Length];
        var live = new List<Task>();
        for (var slot = 0; slot < channels.Length; slot++)
        {
            string? position = null;
            var given = foreign ? SseChannelList.Echo(cursor!)
                : positions?.TryGetValue(subscriber.Cursor.KeyOf(slot), out position) == true ? position
                : null;
            var (state, at) = Register(channels[slot], subscriber, slot);
            states[slot] = state;
            if (given is not null)
            {
                subscriber.Cursor.Set(slot, position);
                joins[slot] = _resume.ResumeAsync(state, subscriber, given, at, several: true);
            }
            else
            {
                var placed = _placement.PlaceAsync(state, at, subscriber.Cursor, slot);
                live.Add(placed);
                joins[slot] = placed.ContinueWith(static _ => default(RedisJoin), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        // The response opens once the channels that join live are placed (as for one channel); the resumes
        // go on behind it, and the subscriber is released with all of them at once.
        if (live.Count > 0)
        {
            subscriber.OpenAfter(Task.WhenAll(live));
        }

        _ = RedisPlacement.ReleaseManyAsync(subscriber, joins, live.Count > 0);
        return subscriber;
    }

    protected override int CountSubscribers(string channel) =>
        _channels.TryGet(channel, out var state) ? state.Subscribers.Count : 0;

    // The subscriber's response has ended, or a re-check revoked this channel. The state stays for the sweep to
    // release (RedisSweep).
    private static void Leave(SseSubscriber subscriber, RedisChannelState state, int slot)
    {
        lock (state.Gate)
        {
            state.Subscribers.Remove(subscriber, slot);
        }
    }

    // Registers the subscriber in the channel's state, held: it queues live frames from now on, and is released
    // once it is known what goes before them. Returns the state and its cursor at registration.
    private (RedisChannelState State, RedisStreamId? Cursor) Register(string channel, SseSubscriber subscriber, int slot)
    {
        while (true)
        {
            var state = _channels.GetOrAdd(channel);
            lock (state.Gate)
            {
                if (state.Removed)
                {
                    continue;
                }

                if (slot == 0)
                {
                    subscriber.Hold();
                }

                state.Subscribers.Add(subscriber, slot);
                state.IdleSweeps = 0;
                return (state, state.Cursor);
            }
        }
    }

    private void Stop()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _sweep.Dispose();
        _channels.CancelAll();
    }

    private void OnConnectionFailed(ConnectionFailedEventArgs e)
    {
        if (PubSub.IsSharded)
        {
            _reroute.OnConnectionFailed(e.EndPoint);
        }
    }

    private void OnConnectionRestored(ConnectionFailedEventArgs e)
    {
        if (_connection.Current is { } multiplexer)
        {
            PubSub.TryResolve(multiplexer);
        }

        var count = _sweep.CatchUpAll();
        _sweep.ScheduleRecheck();
        RedisLog.ConnectionRestored(_redisLogger, e.ConnectionType.ToString(), e.EndPoint?.ToString(), count);
    }
}
