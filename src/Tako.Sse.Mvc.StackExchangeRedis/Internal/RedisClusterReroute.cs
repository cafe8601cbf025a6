using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Failover on a Redis Cluster: when a node's connection fails, its replica may take over its slots, and
/// StackExchange.Redis does not move the sharded subscriptions it held there (it re-routes them when a slot is
/// migrated, on the server's SUNSUBSCRIBE, and otherwise only on its periodic reconfiguration, a minute
/// apart). Until the node answers again, this asks the multiplexer to reconfigure once per retry delay, which
/// reads the cluster's slot map and resubscribes what it lost to whichever master serves it now; then the hub
/// catches every channel up, as after a reconnect, since announcements made meanwhile were not heard.
/// </summary>
/// <remarks>A leaf: it gets the multiplexer, the channels served and a callback, never the hub.</remarks>
internal sealed class RedisClusterReroute(
    Func<IConnectionMultiplexer?> multiplexer,
    Func<IEnumerable<RedisChannel>> served,
    Action rerouted,
    ILogger logger,
    TimeProvider time,
    Func<TimeSpan> retryDelay,
    CancellationToken stopping)
{
    private int _running;

    /// <summary>Starts watching after a failed connection to <paramref name="endPoint"/>, unless a watch runs already.</summary>
    public void OnConnectionFailed(EndPoint? endPoint)
    {
        if (endPoint is null || Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => WatchAsync(endPoint));
        }
    }

    private async Task WatchAsync(EndPoint failed)
    {
        try
        {
            while (!stopping.IsCancellationRequested && multiplexer() is { } current)
            {
                await Task.Delay(retryDelay(), time, stopping).ConfigureAwait(false);
                if (current.GetServer(failed).IsConnected)
                {
                    // The node itself is back: the connection-restored path catches up.
                    return;
                }

                try
                {
                    await current.ConfigureAsync().ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    continue;
                }

                if (AllSubscribed(current))
                {
                    RedisLog.ClusterRerouted(logger, failed.ToString() ?? string.Empty);
                    rerouted();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    // Whether every channel served here has its subscription on a connected node other than the failed one.
    private bool AllSubscribed(IConnectionMultiplexer current)
    {
        var subscriber = current.GetSubscriber();
        foreach (var channel in served())
        {
            if (subscriber.SubscribedEndpoint(channel) is not { } endPoint || !current.GetServer(endPoint).IsConnected)
            {
                return false;
            }
        }

        return true;
    }
}
