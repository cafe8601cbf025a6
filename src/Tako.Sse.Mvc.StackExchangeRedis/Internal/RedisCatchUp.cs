using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Catch-up: brings a channel's local subscribers level with its Redis stream after they may have missed
/// announcements (the pub/sub connection was down, or an announcement does not follow on from the cursor).
/// It reads the stream from the cursor with <c>XRANGE</c> and delivers what follows, in order; if Redis has
/// trimmed entries the cursor needed, the subscribers get a gap event first.
/// </summary>
/// <remarks>
/// Every delivery of a channel, live or caught up, happens under the state's <see cref="RedisChannelState.Sync"/>,
/// so announcements and catch-up never interleave.
/// </remarks>
internal sealed class RedisCatchUp(RedisConnection connection, RedisKeys keys, RedisFrames frames, ILogger redisLogger, CancellationToken stopping)
{
    /// <summary>Catches a channel up, taking its sync lock; a failure is retried by the next sweep or reconnect.</summary>
    public async Task RunAsync(RedisChannelState state)
    {
        try
        {
            await state.Sync.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await CatchUpAsync(state).ConfigureAwait(false);
        }
        finally
        {
            state.Sync.Release();
        }
    }

    /// <summary>
    /// Under the state's sync lock: handles one announcement. Delivers it if it follows on, drops it if already
    /// delivered, catches up if not.
    /// </summary>
    public async Task OnAnnouncementAsync(RedisChannelState state, byte[]? message)
    {
        if (!RedisProtocol.TryParseAnnouncement(message, out var id, out var previous, out var payload))
        {
            RedisLog.BadEntry(redisLogger, state.Name);
            return;
        }

        bool followsOn;
        lock (state.Gate)
        {
            if (state.Cursor is not { } cursor || id <= cursor)
            {
                // Delivered already (by a catch-up or the range read at subscription).
                return;
            }

            // previous < cursor: the stream was recreated (expired while silent, or Redis restarted empty);
            // nothing of it is behind the cursor, so nothing was missed.
            followsOn = previous <= cursor;
            if (followsOn)
            {
                state.Deliver(id, frames.Create(state.Name, id, payload.Span));
            }
        }

        if (followsOn)
        {
            await state.Subscribers.DrainAsync().ConfigureAwait(false);
            return;
        }

        await CatchUpAsync(state).ConfigureAwait(false);
    }

    private async Task CatchUpAsync(RedisChannelState state)
    {
        RedisStreamId from;
        lock (state.Gate)
        {
            if (state.Cursor is not { } cursor)
            {
                return;
            }

            from = cursor;
        }

        StreamEntry[] entries;
        try
        {
            var multiplexer = await connection.GetAsync().ConfigureAwait(false);
            entries = await multiplexer.GetDatabase().StreamRangeAsync(keys.Stream(state.Name), from.ToString(), "+").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not (OperationCanceledException or ObjectDisposedException))
        {
            state.NeedsCatchUp = true;
            RedisLog.CatchUpFailed(redisLogger, state.Name, exception);
            return;
        }

        state.NeedsCatchUp = false;
        var delivered = 0;
        lock (state.Gate)
        {
            var first = true;
            foreach (var entry in entries)
            {
                if (!RedisProtocol.TryReadEntry(entry, out var id, out var previous, out var payload))
                {
                    RedisLog.BadEntry(redisLogger, state.Name);
                    continue;
                }

                if (state.Cursor is { } cursor && id <= cursor)
                {
                    first = false;
                    continue;
                }

                // The first entry after the cursor names its predecessor. Later than the cursor: Redis trimmed
                // entries in between, and the subscribers must know. Earlier (0-0 included): the stream was
                // created anew (it expired while silent, or Redis restarted empty) and nothing of it was
                // missed, as OnAnnouncementAsync decides for the same entry arriving live.
                if (first && previous > from)
                {
                    RedisLog.ChannelGap(redisLogger, state.Name, from.ToString());
                    state.Subscribers.Deliver(frames.Gap(state.Name, from.ToString(), previous));
                }

                first = false;
                state.Deliver(id, frames.Create(state.Name, id, payload));
                delivered++;
            }
        }

        await state.Subscribers.DrainAsync().ConfigureAwait(false);

        if (delivered > 0)
        {
            RedisLog.CaughtUp(redisLogger, state.Name, delivered, from.ToString());
        }
    }
}
