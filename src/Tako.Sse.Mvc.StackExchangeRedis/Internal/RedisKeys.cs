using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Key naming: a channel's stream is the key <c>{prefix}{channel}</c>, and the hub announces its new entries on
/// the pub/sub channel of the same name (keys and pub/sub channels are separate namespaces in Redis).
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Stream(string channel) => Prefix + channel;

    public RedisChannel Announcements(string channel) => RedisChannel.Literal(Prefix + channel);
}
