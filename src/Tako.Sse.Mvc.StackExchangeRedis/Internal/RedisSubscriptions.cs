using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// The subscription manager: one pub/sub subscription per channel this instance serves, not one per browser.
/// A channel's subscription starts with its first local subscriber and its announcements are handled one at a
/// time, in order. A channel nobody here has listened to for two sweeps (<see cref="SweepPeriod"/>) is
/// unsubscribed; lingering that long keeps a reconnecting browser's resume cheap.
/// </summary>
internal sealed partial class RedisSubscriptions : IDisposable
{
    private readonly ConcurrentDictionary<string, RedisChannelState> _states = new(StringComparer.Ordinal);

    // Released states still getting off their channel: see RedisSubscriptions.Release.cs.
    private readonly ConcurrentDictionary<string, Task> _retiring = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RedisSseHub _hub;
    private readonly ITimer _sweep;
    private int _recheckInSweeps;

    public RedisSubscriptions(RedisSseHub hub)
    {
        _hub = hub;
        // The hub is often created inside the first request that needs it: its timer and channel loops must not
        // carry that request's ExecutionContext (its Activity, its AsyncLocals) for the life of the application.
        using (ExecutionContext.SuppressFlow())
        {
            _sweep = hub.Time.CreateTimer(static state => ((RedisSubscriptions)state!).SweepSafely(), this, SweepPeriod, SweepPeriod);
        }
    }

    public static TimeSpan SweepPeriod { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the channels this instance is subscribed to (or subscribing to).</summary>
    public int Count => _states.Count;

    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Gets the names of the channels this instance is subscribed to (or subscribing to).</summary>
    public IEnumerable<string> Channels => _states.Keys;

    /// <summary>
    /// Gets whether this instance is still catching up after a reconnect (the recheck two sweeps later is due) or
    /// has a channel whose catch-up failed and waits for a retry: what the health check reports as degraded.
    /// </summary>
    public bool CatchingUp => Volatile.Read(ref _recheckInSweeps) > 0 || _states.Values.Any(static s => s.NeedsCatchUp);

    public bool TryGet(string channel, out RedisChannelState state) => _states.TryGetValue(channel, out state!);

    /// <summary>Gets the channel's state, subscribing when it is new. The caller re-checks <see cref="RedisChannelState.Removed"/> under its lock.</summary>
    public RedisChannelState GetOrAdd(string channel)
    {
        if (_states.TryGetValue(channel, out var found))
        {
            return found;
        }

        var created = new RedisChannelState(channel);
        var winner = _states.GetOrAdd(channel, created);
        if (ReferenceEquals(winner, created))
        {
            var retiring = _retiring.TryGetValue(channel, out var previous) ? previous : null;
            using (ExecutionContext.SuppressFlow())
            {
                created.Run = Task.Run(() => RunAsync(created, retiring));
            }
        }

        return winner;
    }

    /// <summary>Catches up every channel (the connection is back); returns how many.</summary>
    public int CatchUpAll()
    {
        var count = 0;
        foreach (var pair in _states)
        {
            if (pair.Value.Ready.IsCompletedSuccessfully)
            {
                count++;
                _ = RedisCatchUp.RunAsync(_hub, pair.Value);
            }
        }

        return count;
    }

    /// <summary>
    /// After a reconnect: catches every channel up once more two sweeps later. StackExchange.Redis resubscribes
    /// after it reports the connection back, so an event published in between reaches neither the immediate
    /// catch-up nor the subscription; on a busy channel the next announcement finds it, on a quiet one this does.
    /// </summary>
    public void ScheduleRecheck() => Volatile.Write(ref _recheckInSweeps, 2);

    /// <summary>Unsubscribes channels idle for two sweeps; retries catch-ups that failed.</summary>
    public void Sweep()
    {
        if (Volatile.Read(ref _recheckInSweeps) > 0 && Interlocked.Decrement(ref _recheckInSweeps) == 0)
        {
            CatchUpAll();
        }

        foreach (var pair in _states)
        {
            var state = pair.Value;
            bool remove;
            lock (state.Gate)
            {
                state.IdleSweeps = _hub.GetSubscriberCount(state.Name) == 0 ? state.IdleSweeps + 1 : 0;
                remove = state.IdleSweeps >= 2;
                if (remove)
                {
                    state.Removed = true;
                }
            }

            if (remove)
            {
                state.Cancel();
                Retire(state);
                _states.TryRemove(new KeyValuePair<string, RedisChannelState>(state.Name, state));
                RedisLog.ChannelReleased(_hub.RedisLogger, state.Name);
            }
            else if (state.NeedsCatchUp && state.Ready.IsCompletedSuccessfully)
            {
                _ = RedisCatchUp.RunAsync(_hub, state);
            }
        }
    }

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _sweep.Dispose();
        foreach (var pair in _states)
        {
            pair.Value.Cancel();
        }
    }

    // A timer callback that throws would end the process; a sweep that fails is logged and the next one runs.
    private void SweepSafely()
    {
        try
        {
            Sweep();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            RedisLog.SweepFailed(_hub.RedisLogger, exception);
        }
    }

    // Subscribes, sets the cursor to the stream's newest entry, then handles announcements in order until the
    // channel is released. Announcements that arrive before the cursor is set wait in the queue; those the
    // cursor already covers are dropped by id. A state released before it waits for it first (see _retiring).
    private async Task RunAsync(RedisChannelState state, Task? retiring)
    {
        try
        {
            if (retiring is not null)
            {
                await retiring.ConfigureAwait(false);
            }

            ChannelMessageQueue? queue = null;
            RedisStreamId? newest = null;
            var attempts = 0;
            while (queue is null || !state.Ready.IsCompleted)
            {
                if (state.Removed || _stopping.IsCancellationRequested)
                {
                    break;
                }

                try
                {
                    var multiplexer = await _hub.Connection.GetAsync().ConfigureAwait(false);
                    // The cursor is read before SUBSCRIBE, not after, and once only: the responses of the browsers
                    // here open once it is read (Placed), so every event published after that must reach them,
                    // including one published while SUBSCRIBE is on its way or being retried. The catch-up below
                    // delivers whatever came between the two.
                    newest ??= await RedisCatchUp.ReadNewestAsync(multiplexer.GetDatabase(), _hub.Keys.Stream(state.Name)).ConfigureAwait(false);
                    state.Place();
                    var sharded = await _hub.PubSub.ResolveAsync(multiplexer).ConfigureAwait(false);
                    queue ??= await multiplexer.GetSubscriber().SubscribeAsync(_hub.Keys.Announcements(state.Name, sharded)).ConfigureAwait(false);
                    state.Queue = queue;
                    lock (state.Gate)
                    {
                        state.Start(newest.Value);
                    }
                }
                catch (Exception exception) when (exception is not (OperationCanceledException or ObjectDisposedException))
                {
                    if (attempts++ == 0)
                    {
                        RedisLog.SubscribeFailed(_hub.RedisLogger, state.Name, exception);
                    }
                    else
                    {
                        RedisLog.SubscribeRetry(_hub.RedisLogger, state.Name, attempts);
                    }

                    if (queue is null)
                    {
                        await ForgetFailedSubscriptionAsync(state).ConfigureAwait(false);
                    }

                    await Task.Delay(_hub.RetryDelay, _hub.Time, _stopping.Token).ConfigureAwait(false);
                }
            }

            if (queue is null)
            {
                return;
            }

            if (state.Removed || _stopping.IsCancellationRequested)
            {
                await UnsubscribeAsync(state).ConfigureAwait(false);
                return;
            }

            // What was published between reading the cursor and SUBSCRIBE taking effect (see above).
            await RedisCatchUp.RunAsync(_hub, state).ConfigureAwait(false);
            while (true)
            {
                var message = await queue.ReadAsync(_stopping.Token).ConfigureAwait(false);
                await state.Sync.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try
                {
                    await RedisCatchUp.OnAnnouncementAsync(_hub, state, (byte[]?)message.Message).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // One bad announcement must not end the channel's delivery on this instance.
                    RedisLog.AnnouncementFailed(_hub.RedisLogger, state.Name, exception);
                }
                finally
                {
                    state.Sync.Release();
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Threading.Channels.ChannelClosedException or ObjectDisposedException)
        {
            // Released or shutting down.
        }
    }
}
