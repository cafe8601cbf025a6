using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// What the sweep asks the connection about a channel's sharded subscription on a Redis Cluster: where it is,
/// what the channel's stream holds, and to read the slot map again. Off a cluster it answers nothing.
/// </summary>
/// <remarks>A leaf: it gets the connection, the key names and the pub/sub mode, never the hub.</remarks>
internal sealed class RedisClusterProbe(RedisConnection connection, RedisKeys keys, RedisPubSubMode pubSub)
{
    /// <summary>Gets whether the announcements are sharded (a cluster), so there is anything to probe.</summary>
    public bool IsSharded => pubSub.IsSharded;

    /// <summary>Gets the node that holds the channel's sharded subscription (a local lookup); null off a cluster.</summary>
    public System.Net.EndPoint? SubscribedAt(RedisChannelState state) =>
        pubSub.IsSharded && connection.Current is { } current
            ? current.GetSubscriber().SubscribedEndpoint(keys.Announcements(state.Name, sharded: true))
            : null;

    /// <summary>Reads the id of the channel's newest entry; null off a cluster, or when Redis cannot be reached.</summary>
    public async Task<RedisStreamId?> NewestAsync(RedisChannelState state)
    {
        if (!pubSub.IsSharded || connection.Current is not { } current)
        {
            return null;
        }

        try
        {
            return await RedisChannelLoop.ReadNewestAsync(current.GetDatabase(), keys.Stream(state.Name)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Down: the catch-up after the reconnect covers it.
            return null;
        }
    }

    /// <summary>Has the multiplexer read the cluster's slot map again, which moves sharded subscriptions to the slots' masters.</summary>
    public async Task ReconfigureAsync()
    {
        if (connection.Current is { } current)
        {
            await current.ConfigureAsync().ConfigureAwait(false);
        }
    }
}
