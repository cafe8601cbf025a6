using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Options of the Redis hub that <c>AddStackExchangeRedis</c> registers in place of the in-memory
/// <see cref="ISseHub"/>. The channels' history size and age come from <see cref="SseChannelOptions"/> as for
/// the in-memory hub; these options only say how to reach Redis and how to name the keys.
/// </summary>
public sealed class TakoSseRedisOptions
{
    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration: endpoints, password, timeouts, TLS. The hub always
    /// connects with <see cref="ConfigurationOptions.AbortOnConnectFail"/> off, so an application starts, and
    /// its streams stay open, while Redis is unreachable. Publishing fails within
    /// <see cref="ConfigurationOptions.AsyncTimeout"/> while Redis does not answer. Its
    /// <see cref="ConfigurationOptions.ChannelPrefix"/> must stay unset (use <see cref="KeyPrefix"/>). Default: no
    /// endpoint.
    /// </summary>
    public ConfigurationOptions Configuration { get; set; } = new();

    /// <summary>
    /// Gets or sets the prefix of every key and pub/sub channel the hub uses: a channel's stream is
    /// <c>{KeyPrefix}{{channel}}</c> (the channel's name between braces, a hash tag, so that on a Redis Cluster
    /// the stream and its announcements share one slot), announced on the pub/sub channel of the same name. Several applications
    /// can share one Redis with different prefixes. It cannot contain control characters. Default:
    /// <c>tako:sse:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "tako:sse:";

    /// <summary>
    /// Gets or sets a factory that creates the connection instead of
    /// <see cref="ConnectionMultiplexer.ConnectAsync(ConfigurationOptions, TextWriter?)"/> with
    /// <see cref="Configuration"/> (tests, or an application that shares its own multiplexer). It gets a
    /// writer for the connection log. Its multiplexer must have no channel prefix. The hub disposes the connection
    /// when the application stops. Default:
    /// <see langword="null"/>.
    /// </summary>
    public Func<TextWriter, Task<IConnectionMultiplexer>>? ConnectionFactory { get; set; }
}
