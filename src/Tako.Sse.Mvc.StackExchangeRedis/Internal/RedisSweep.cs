using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// The periodic sweep of the Redis hub, every <see cref="Period"/>: releases the channels nobody here has
/// listened to for two sweeps (lingering that long keeps a reconnecting browser's resume cheap), retries
/// catch-ups that failed, and after a reconnect catches every channel up once more (<see cref="ScheduleRecheck"/>).
/// </summary>
/// <remarks>
/// On a cluster it also notices a sharded subscription that StackExchange.Redis moved to another node by itself
/// (it follows a migrated slot on the server's SUNSUBSCRIBE, and tells nobody): announcements made on the new
/// node before the subscription reached it were not heard, and on a channel that then goes quiet no later
/// announcement would reveal them, so the channel is caught up. And a sharded subscription can go deaf
/// without moving: after a slot migration, StackExchange.Redis sometimes keeps it on the old node, which no
/// longer sends anything. So a channel whose subscription handed in nothing for a whole sweep has its stream's
/// newest id read (one <c>XREVRANGE</c> per such channel per sweep, on a cluster only): an entry newer than the
/// cursor is one this instance was never told of, and then the multiplexer reads the cluster's slot map again,
/// which moves the subscription to the slot's master, and the channel is caught up.
/// </remarks>
internal sealed class RedisSweep : IDisposable
{
    private readonly RedisChannelTable _table;
    private readonly RedisCatchUp _catchUp;
    private readonly ILogger _redisLogger;
    private readonly ITimer _timer;
    private readonly RedisClusterProbe? _probe;
    private int _recheckInSweeps;

    /// <param name="table">The channels served here.</param>
    /// <param name="catchUp">Reads back what a channel missed.</param>
    /// <param name="timeProvider">The sweep's clock.</param>
    /// <param name="redisLogger">The Redis package's logger.</param>
    /// <param name="probe">On a cluster, where a channel's sharded subscription is and what its stream holds; none in unit tests.</param>
    public RedisSweep(RedisChannelTable table, RedisCatchUp catchUp, TimeProvider timeProvider, ILogger redisLogger, RedisClusterProbe? probe = null)
    {
        _probe = probe;
        _table = table;
        _catchUp = catchUp;
        _redisLogger = redisLogger;

        // The hub is often created inside the first request that needs it.
        _timer = SseBackground.CreateTimer(timeProvider, static state => ((RedisSweep)state!).RunSafely(), this, Period, Period);
    }

    public static TimeSpan Period { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets whether a recheck after a reconnect is still due, or a channel waits for a catch-up to be retried.</summary>
    public bool CatchingUp => Volatile.Read(ref _recheckInSweeps) > 0 || _table.States.Any(static s => s.NeedsCatchUp);

    /// <summary>Catches up every channel whose subscription is in place (the connection is back); returns how many.</summary>
    public int CatchUpAll()
    {
        var count = 0;
        foreach (var state in _table.States)
        {
            if (state.Ready.IsCompletedSuccessfully)
            {
                count++;
                _ = _catchUp.RunAsync(state);
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

    /// <summary>Releases channels idle for two sweeps; retries catch-ups that failed.</summary>
    public void Run()
    {
        if (Volatile.Read(ref _recheckInSweeps) > 0 && Interlocked.Decrement(ref _recheckInSweeps) == 0)
        {
            CatchUpAll();
        }

        foreach (var state in _table.States)
        {
            bool remove;
            lock (state.Gate)
            {
                state.IdleSweeps = state.Subscribers.Count == 0 ? state.IdleSweeps + 1 : 0;
                remove = state.IdleSweeps >= 2;
                if (remove)
                {
                    state.Removed = true;
                }
            }

            if (remove)
            {
                _table.Release(state);
                RedisLog.ChannelReleased(_redisLogger, state.Name);
            }
            else if (state.Ready.IsCompletedSuccessfully && Moved(state))
            {
                _ = _catchUp.RunAsync(state);
            }
            else if (state.NeedsCatchUp && state.Ready.IsCompletedSuccessfully)
            {
                _ = _catchUp.RunAsync(state);
            }
            else if (_probe is { IsSharded: true } && state.Ready.IsCompletedSuccessfully && Quiet(state))
            {
                _ = CheckDeafAsync(state);
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    // Whether the channel's sharded subscription is on another node than last seen.
    private bool Moved(RedisChannelState state)
    {
        if (_probe?.SubscribedAt(state) is not { } now)
        {
            return false;
        }

        var before = state.SubscribedAt;
        state.SubscribedAt = now;
        if (before is null || before.Equals(now))
        {
            return false;
        }

        RedisLog.SubscriptionMoved(_redisLogger, state.Name, before.ToString() ?? string.Empty, now.ToString() ?? string.Empty);
        return true;
    }

    // Whether the channel's subscription handed in no announcement since the last sweep.
    private static bool Quiet(RedisChannelState state)
    {
        var heard = state.Heard;
        var quiet = heard == state.HeardAtSweep;
        state.HeardAtSweep = heard;
        return quiet;
    }

    // A quiet channel whose stream holds an entry past the cursor: the subscription missed its announcement.
    private async Task CheckDeafAsync(RedisChannelState state)
    {
        try
        {
            if (await _probe!.NewestAsync(state).ConfigureAwait(false) is not { } newest)
            {
                return;
            }

            RedisStreamId? cursor;
            lock (state.Gate)
            {
                cursor = state.Cursor;
            }

            if (cursor is not { } at || newest <= at || state.Removed)
            {
                return;
            }

            RedisLog.SubscriptionDeaf(_redisLogger, state.Name, newest.ToString(), at.ToString());
            await _probe.ReconfigureAsync().ConfigureAwait(false);
            state.SubscribedAt = _probe.SubscribedAt(state);
            await _catchUp.RunAsync(state).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            RedisLog.SweepFailed(_redisLogger, exception);
        }
    }

    // A timer callback that throws would end the process; a sweep that fails is logged and the next one runs.
    private void RunSafely()
    {
        try
        {
            Run();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            RedisLog.SweepFailed(_redisLogger, exception);
        }
    }
}
