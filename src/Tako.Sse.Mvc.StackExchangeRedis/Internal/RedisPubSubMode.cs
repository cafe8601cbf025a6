using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Which pub/sub carries the announcements, detected once from the servers the multiplexer reached, never
/// configured: sharded pub/sub (<c>SPUBLISH</c> / <c>SSUBSCRIBE</c>) on a Redis Cluster whose nodes are all
/// Redis 7 or later, so an announcement stays within the shard that owns its channel's slot; classic pub/sub
/// (<c>PUBLISH</c> / <c>SUBSCRIBE</c>) on a standalone server or an older cluster, as before. Logged once, at
/// Information.
/// </summary>
/// <remarks>
/// Nothing is announced or subscribed before the mode is known: a subscription of the wrong kind would hear
/// nothing of the other (the two are separate namespaces), so the first publish or subscription waits for
/// one answer from Redis when the connection has not reached a server yet.
/// </remarks>
internal sealed class RedisPubSubMode(ILogger logger)
{
    private static readonly Version ShardedSince = new(7, 0);
    private int _mode; // 0: not known yet, 1: classic, 2: sharded

    /// <summary>
    /// Gets or sets whether classic pub/sub is used even on a cluster that has sharded pub/sub: for the benchmark
    /// that compares the two on one cluster, never for an application. Set before the first use.
    /// </summary>
    public bool ForceClassic { get; set; }

    /// <summary>Gets whether the mode is known yet.</summary>
    public bool IsKnown => Volatile.Read(ref _mode) != 0;

    /// <summary>Gets whether announcements are sharded (valid once <see cref="IsKnown"/>).</summary>
    public bool IsSharded => Volatile.Read(ref _mode) == 2;

    /// <summary>Decides the mode from the servers the multiplexer is connected to, if it is connected to any; never waits.</summary>
    public bool TryResolve(IConnectionMultiplexer multiplexer)
    {
        if (IsKnown)
        {
            return true;
        }

        IServer[] servers;
        try
        {
            servers = [.. multiplexer.GetServers().Where(s => s.IsConnected)];
        }
        catch (Exception exception) when (exception is NotSupportedException or RedisException)
        {
            // A multiplexer of the application's own that cannot list its servers: classic pub/sub works everywhere.
            return Decide(sharded: false, "unknown", "unknown");
        }

        if (servers.Length == 0)
        {
            return false;
        }

        var cluster = servers.All(s => s.ServerType == ServerType.Cluster);
        var version = servers.Min(s => s.Version)!;
        return Decide(!ForceClassic && cluster && version >= ShardedSince, cluster ? "cluster" : servers[0].ServerType.ToString().ToLowerInvariant(), version.ToString());
    }

    /// <summary>Returns whether announcements are sharded, asking Redis once (PING) if no server has answered yet.</summary>
    public async ValueTask<bool> ResolveAsync(IConnectionMultiplexer multiplexer)
    {
        if (TryResolve(multiplexer))
        {
            return IsSharded;
        }

        await multiplexer.GetDatabase().PingAsync().ConfigureAwait(false);
        if (TryResolve(multiplexer))
        {
            return IsSharded;
        }

        throw new RedisException("Redis answered but no server is connected yet; the kind of pub/sub to use is not known.");
    }

    private bool Decide(bool sharded, string serverType, string version)
    {
        if (Interlocked.CompareExchange(ref _mode, sharded ? 2 : 1, 0) == 0)
        {
            RedisLog.PubSubMode(logger, serverType, version, sharded ? "sharded (SPUBLISH/SSUBSCRIBE)" : "classic (PUBLISH/SUBSCRIBE)");
        }

        return true;
    }
}
