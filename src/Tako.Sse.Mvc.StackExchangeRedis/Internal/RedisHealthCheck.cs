using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// The backplane's health, as <c>AddTakoSseRedis</c> registers it: Healthy when Redis answers (on a cluster:
/// the cluster is ok and every master that serves slots is connected) and no catch-up is pending; Degraded
/// while the instance catches up after a reconnect; Unhealthy (the registration's failure status) when Redis
/// cannot be reached, or a master of the cluster is down and its slots are not served.
/// </summary>
/// <remarks>
/// One <c>PING</c> per check, on a connection that is already open (a check never opens one of its own); on a
/// cluster, the slot map is the one the multiplexer read last.
/// </remarks>
internal sealed class RedisHealthCheck(RedisSseHub hub) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = context.Registration.FailureStatus;
        if (hub.Connection.Current is not { } multiplexer)
        {
            return new HealthCheckResult(failure, "The Redis connection has not been created (see the SseRedisStartupConnectFailed log entry).");
        }

        var servers = multiplexer.GetServers();
        var connected = servers.Where(s => s.IsConnected).OrderBy(s => s.IsReplica).ToList();
        if (connected.Count == 0)
        {
            return new HealthCheckResult(failure, $"Redis cannot be reached ({Describe(servers.Select(s => s.EndPoint))}).");
        }

        try
        {
            var server = connected[0];
            await server.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (server.ServerType == ServerType.Cluster && UnservedMasters(multiplexer, server) is { Count: > 0 } down)
            {
                return new HealthCheckResult(failure, $"Masters of the Redis Cluster that serve slots cannot be reached: {Describe(down)}. Publishing to their channels fails until a replica takes over.");
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return new HealthCheckResult(failure, "Redis does not answer.", exception);
        }

        var data = new Dictionary<string, object>
        {
            ["channels"] = hub.Channels.Count,
            ["pubsub"] = hub.PubSub.IsKnown ? (hub.PubSub.IsSharded ? "sharded" : "classic") : "unknown",
        };
        return hub.CatchingUp
            ? HealthCheckResult.Degraded("Connected to Redis; catching up the channels after a reconnect.", data: data)
            : HealthCheckResult.Healthy("Connected to Redis and subscribed.", data);
    }

    // The masters that serve slots in the slot map the multiplexer read last (CLUSTER NODES is an admin command, so
    // not asked here; the map is read again at every reconfiguration, which a failover triggers), that are flagged
    // failing or that this multiplexer is not connected to.
    private static List<System.Net.EndPoint> UnservedMasters(IConnectionMultiplexer multiplexer, IServer server)
    {
        var down = new List<System.Net.EndPoint>();
        if (server.ClusterConfiguration is not { } configuration)
        {
            return down;
        }

        foreach (var node in configuration.Nodes)
        {
            if (node.IsReplica || node.Slots.Count == 0 || node.EndPoint is not { } endPoint)
            {
                continue;
            }

            if (node.IsFail || node.IsPossiblyFail || !multiplexer.GetServer(endPoint).IsConnected)
            {
                down.Add(endPoint);
            }
        }

        return down;
    }

    private static string Describe(IEnumerable<System.Net.EndPoint?> endPoints) => string.Join(", ", endPoints.Select(e => e?.ToString()));
}
