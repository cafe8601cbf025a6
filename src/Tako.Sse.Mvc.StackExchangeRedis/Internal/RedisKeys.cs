using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Key naming: a channel's stream is the key <c>{prefix}{{channel}}</c> (the channel's name between braces), and
/// the hub announces its new entries on the pub/sub channel of the same name (keys and pub/sub channels are
/// separate namespaces in Redis). The braces are a hash tag: on a Redis Cluster the slot of both is the slot of
/// the channel's name alone, so the append-and-announce script touches one shard, and a prefix is shared by all
/// channels without putting them all on one shard.
/// </summary>
/// <remarks>
/// A prefix that holds a hash tag of its own (<c>{app}:sse:</c>) wins, as Redis takes the first <c>{...}</c>:
/// every channel then lives on one shard, which is the prefix's choice to make. A channel name with a <c>}</c>
/// is hashed up to it; its key and its announcement still share their slot, being one string.
/// </remarks>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>The name of both the channel's stream and its announcements.</summary>
    public string Name(string channel) => string.Concat(Prefix, "{", channel, "}");

    public RedisKey Stream(string channel) => Name(channel);

    /// <summary>The announcement channel: sharded (SSUBSCRIBE) on a Redis 7 cluster, classic (SUBSCRIBE) otherwise.</summary>
    public RedisChannel Announcements(string channel, bool sharded) =>
        sharded ? RedisChannel.Sharded(Name(channel)) : RedisChannel.Literal(Name(channel));
}
