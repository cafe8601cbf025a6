using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Catch-up: brings a channel's local subscribers level with its Redis stream after they may have missed
/// announcements (the pub/sub connection was down, or an announcement does not follow on from the cursor).
/// It reads the stream from the cursor with <c>XRANGE</c> and delivers what follows, in order; if Redis has
/// trimmed entries the cursor needed, the subscribers get a gap event first.
/// </summary>
/// <remarks>Callers hold the state's <see cref="RedisChannelState.Sync"/>, so announcements and catch-up never interleave.</remarks>
internal static class RedisCatchUp
{
    /// <summary>Catches a channel up, taking its sync lock; a failure is retried by the next sweep or reconnect.</summary>
    public static async Task RunAsync(RedisSseHub hub, RedisChannelState state)
    {
        try
        {
            await state.Sync.WaitAsync(hub.Subscriptions.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await CatchUpAsync(hub, state).ConfigureAwait(false);
        }
        finally
        {
            state.Sync.Release();
        }
    }

    /// <summary>Handles one announcement: delivers it if it follows on, drops it if already delivered, catches up if not.</summary>
    public static async Task OnAnnouncementAsync(RedisSseHub hub, RedisChannelState state, byte[]? message)
    {
        if (!RedisAppendScript.TryParseAnnouncement(message, out var id, out var previous, out var payload))
        {
            RedisLog.BadEntry(hub.RedisLogger, state.Name);
            return;
        }

        lock (state.Gate)
        {
            if (state.Cursor is not { } cursor || id <= cursor)
            {
                // Delivered already (by a catch-up or the range read at subscription).
                return;
            }

            // previous < cursor: the stream was recreated (expired while silent, or Redis restarted empty);
            // nothing of it is behind the cursor, so nothing was missed.
            if (previous <= cursor)
            {
                hub.Deliver(state, id, payload.Span);
                return;
            }
        }

        await CatchUpAsync(hub, state).ConfigureAwait(false);
    }

    /// <summary>Reads the id of the stream's newest entry; <see cref="RedisStreamId.Zero"/> when there is no stream.</summary>
    public static async Task<RedisStreamId> ReadNewestAsync(IDatabaseAsync database, RedisKey key)
    {
        var newest = await database.StreamRangeAsync(key, "-", "+", 1, Order.Descending).ConfigureAwait(false);
        return newest.Length > 0 && RedisStreamId.TryParse((string?)newest[0].Id, out var id) ? id : RedisStreamId.Zero;
    }

    private static async Task CatchUpAsync(RedisSseHub hub, RedisChannelState state)
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
            var multiplexer = await hub.Connection.GetAsync().ConfigureAwait(false);
            entries = await multiplexer.GetDatabase().StreamRangeAsync(hub.Keys.Stream(state.Name), from.ToString(), "+").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not (OperationCanceledException or ObjectDisposedException))
        {
            state.NeedsCatchUp = true;
            RedisLog.CatchUpFailed(hub.RedisLogger, state.Name, exception);
            return;
        }

        state.NeedsCatchUp = false;
        var delivered = 0;
        lock (state.Gate)
        {
            var first = true;
            foreach (var entry in entries)
            {
                if (!RedisAppendScript.TryReadEntry(entry, out var id, out var previous, out var payload))
                {
                    RedisLog.BadEntry(hub.RedisLogger, state.Name);
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
                    RedisLog.ChannelGap(hub.RedisLogger, state.Name, from.ToString());
                    hub.DeliverGap(state.Name, from.ToString(), previous);
                }

                first = false;
                hub.Deliver(state, id, payload);
                delivered++;
            }
        }

        if (delivered > 0)
        {
            RedisLog.CaughtUp(hub.RedisLogger, state.Name, delivered, from.ToString());
        }
    }
}
