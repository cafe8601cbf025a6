using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// The periodic sweep of the Redis hub, every <see cref="Period"/>: releases the channels nobody here has
/// listened to for two sweeps (lingering that long keeps a reconnecting browser's resume cheap), retries
/// catch-ups that failed, and after a reconnect catches every channel up once more (<see cref="ScheduleRecheck"/>).
/// </summary>
internal sealed class RedisSweep : IDisposable
{
    private readonly RedisChannelTable _table;
    private readonly RedisCatchUp _catchUp;
    private readonly ILogger _redisLogger;
    private readonly ITimer _timer;
    private int _recheckInSweeps;

    public RedisSweep(RedisChannelTable table, RedisCatchUp catchUp, TimeProvider timeProvider, ILogger redisLogger)
    {
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
            else if (state.NeedsCatchUp && state.Ready.IsCompletedSuccessfully)
            {
                _ = _catchUp.RunAsync(state);
            }
        }
    }

    public void Dispose() => _timer.Dispose();

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
