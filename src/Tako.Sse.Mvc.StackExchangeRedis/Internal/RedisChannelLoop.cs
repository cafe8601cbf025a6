using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Subscribe and read, for one channel this instance serves: reads the stream's newest id (the cursor),
/// subscribes to the channel's announcements, catches up what came between the two, then handles the
/// announcements one at a time, in order, until the channel is released (<see cref="RedisChannelTable.Release"/>)
/// or the hub stops. A failed step is retried after <see cref="RedisRetry.Delay"/>.
/// </summary>
internal sealed class RedisChannelLoop(RedisConnection connection, RedisKeys keys, RedisPubSubMode pubSub, RedisCatchUp catchUp, RedisRetry retry, ILogger redisLogger)
{
    /// <summary>Runs the channel's subscription; never faults. A state released before it is awaited first.</summary>
    public async Task RunAsync(RedisChannelState state, Task? retiring)
    {
        var stopping = retry.Stopping;
        try
        {
            if (retiring is not null)
            {
                await retiring.ConfigureAwait(false);
            }

            var queue = await SubscribeAsync(state, stopping).ConfigureAwait(false);
            if (queue is null)
            {
                return;
            }

            if (state.Removed || stopping.IsCancellationRequested)
            {
                await state.UnsubscribeAsync().ConfigureAwait(false);
                return;
            }

            // What was published between reading the cursor and SUBSCRIBE taking effect (see SubscribeAsync).
            await catchUp.RunAsync(state).ConfigureAwait(false);
            while (true)
            {
                var message = await queue.ReadAsync(stopping).ConfigureAwait(false);
                state.CountHeard();
                await state.Sync.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    await catchUp.OnAnnouncementAsync(state, (byte[]?)message.Message).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // One bad announcement must not end the channel's delivery on this instance.
                    RedisLog.AnnouncementFailed(redisLogger, state.Name, exception);
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

    /// <summary>Reads the id of the stream's newest entry; <see cref="RedisStreamId.Zero"/> when there is no stream.</summary>
    public static async Task<RedisStreamId> ReadNewestAsync(IDatabaseAsync database, RedisKey key)
    {
        var newest = await database.StreamRangeAsync(key, "-", "+", 1, Order.Descending).ConfigureAwait(false);
        return newest.Length > 0 && RedisStreamId.TryParse((string?)newest[0].Id, out var id) ? id : RedisStreamId.Zero;
    }

    // Sets the cursor to the stream's newest entry and subscribes; null when released or stopping first.
    // Announcements that arrive before the cursor is set wait in the queue; those the cursor already covers are
    // dropped by id.
    private async Task<ChannelMessageQueue?> SubscribeAsync(RedisChannelState state, CancellationToken stopping)
    {
        ChannelMessageQueue? queue = null;
        RedisStreamId? newest = null;
        var attempts = 0;
        while (queue is null || !state.Ready.IsCompleted)
        {
            if (state.Removed || stopping.IsCancellationRequested)
            {
                break;
            }

            try
            {
                var multiplexer = await connection.GetAsync().ConfigureAwait(false);

                // The cursor is read before SUBSCRIBE, not after, and once only: the responses of the browsers
                // here open once it is read (Placed), so every event published after that must reach them,
                // including one published while SUBSCRIBE is on its way or being retried. The catch-up after
                // subscribing delivers whatever came between the two.
                newest ??= await ReadNewestAsync(multiplexer.GetDatabase(), keys.Stream(state.Name)).ConfigureAwait(false);
                state.Place(newest.Value);
                var sharded = await pubSub.ResolveAsync(multiplexer).ConfigureAwait(false);
                queue ??= await multiplexer.GetSubscriber().SubscribeAsync(keys.Announcements(state.Name, sharded)).ConfigureAwait(false);
                state.Queue = queue;
                if (sharded)
                {
                    state.SubscribedAt = multiplexer.GetSubscriber().SubscribedEndpoint(keys.Announcements(state.Name, sharded));
                }

                lock (state.Gate)
                {
                    state.Start(newest.Value);
                }
            }
            catch (Exception exception) when (exception is not (OperationCanceledException or ObjectDisposedException))
            {
                if (attempts++ == 0)
                {
                    RedisLog.SubscribeFailed(redisLogger, state.Name, exception);
                }
                else
                {
                    RedisLog.SubscribeRetry(redisLogger, state.Name, attempts);
                }

                if (queue is null)
                {
                    await ForgetFailedSubscriptionAsync(state).ConfigureAwait(false);
                }

                await retry.WaitAsync().ConfigureAwait(false);
            }
        }

        return queue;
    }

    // A SUBSCRIBE that failed may still have left its queue registered in the multiplexer (to be resubscribed on
    // reconnect), where nobody would read it and it would fill up. This instance has one subscription per
    // channel, so dropping every handler of the channel drops exactly that one before the next attempt.
    private async Task ForgetFailedSubscriptionAsync(RedisChannelState state)
    {
        try
        {
            if (connection.Current is { } multiplexer && pubSub.IsKnown)
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(keys.Announcements(state.Name, pubSub.IsSharded)).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Still down: the local registration is gone all the same, and there is nothing to tell the server.
        }
    }
}
