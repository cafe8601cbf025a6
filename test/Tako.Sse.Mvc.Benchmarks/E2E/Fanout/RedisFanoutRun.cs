using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tako.Sse.Mvc.Testing;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// What the fanout-redis and fanout-cluster runs share: SignalR's backplane under a prefix of its own, each
/// instance's subscribers opened in a child process of their own, and a flat-out window with what Redis did in it.
/// </summary>
internal static class RedisFanoutRun
{
    // Keeps SignalR's channels apart from ours on a shared Redis.
    private const string SignalRChannelPrefix = "tako-bench-signalr";

    /// <summary>SignalR's Redis backplane on <paramref name="configuration"/> (a server, or a cluster's nodes).</summary>
    public static void AddSignalRBackplane(ISignalRServerBuilder signalR, string configuration) =>
        signalR.AddStackExchangeRedis(configuration, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(SignalRChannelPrefix));

    /// <summary>
    /// Starts a child process of <paramref name="each"/> subscribers per server and waits until they are open and
    /// every one has joined its server; on failure the children are stopped and the exception says how far they got.
    /// </summary>
    public static async Task<FanoutClient[]> OpenAsync(string name, FanoutSide side, FanoutServer[] servers, int each)
    {
        var clients = servers.Select(s => FanoutClient.Start(side.ClientMode, new Uri(s.BaseAddress, side.Path), each)).ToArray();
        try
        {
            foreach (var client in clients)
            {
                if (!await client.WaitOpenAsync(TimeSpan.FromMinutes(3)))
                {
                    throw new InvalidOperationException($"{name}: the subscribers did not open; {client.Describe()}");
                }
            }

            if (!await ServerSideProbe.WaitUntilAsync(() => servers.Sum(s => side.Subscribers(s.Services)) == each * servers.Length, TimeSpan.FromSeconds(60)))
            {
                throw new InvalidOperationException($"{name}: {servers.Sum(s => side.Subscribers(s.Services)):N0} of {each * servers.Length:N0} subscribers joined.");
            }

            return clients;
        }
        catch
        {
            await CloseAsync(clients);
            throw;
        }
    }

    public static async Task CloseAsync(IEnumerable<FanoutClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>What <paramref name="servers"/> ran and each process of <paramref name="processIds"/> spent while nothing was published.</summary>
    public static async Task<RedisIdleWindow> IdleAsync(TimeSpan duration, IReadOnlyList<IServer> servers, IReadOnlyList<int> processIds)
    {
        var commandsBefore = await RedisCommandStats.TotalAsync(servers);
        var cpuBefore = RedisProcessCpu.Read(processIds);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(duration);
        var cpuAfter = RedisProcessCpu.Read(processIds);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var commands = await RedisCommandStats.TotalAsync(servers) - commandsBefore - servers.Count;
        return new RedisIdleWindow(commands / seconds, [.. cpuAfter.Zip(cpuBefore, (after, before) => (after - before).TotalMilliseconds / seconds)]);
    }

    /// <summary>
    /// One flat-out window of <paramref name="publisher"/>, with what <paramref name="servers"/> ran in it (their
    /// commands, from <c>INFO</c>) and what each process of <paramref name="processIds"/> spent (its CPU time).
    /// </summary>
    public static async Task<RedisWindow> MeasureAsync(RedisFanoutPublisher publisher, TimeSpan duration, IReadOnlyList<IServer> servers, IReadOnlyList<int> processIds)
    {
        var statsBefore = await RedisCommandStats.ReadAsync(servers);
        var commandsBefore = await RedisCommandStats.TotalAsync(servers);
        var cpuBefore = RedisProcessCpu.Read(processIds);
        var publishedBefore = publisher.Published;
        var (rate, cpu) = await publisher.FloodAsync(duration);
        var cpuAfter = RedisProcessCpu.Read(processIds);

        // Less the INFO stats of the first reading, which each server counted after it answered.
        var commands = await RedisCommandStats.TotalAsync(servers) - commandsBefore - servers.Count;
        var statsAfter = await RedisCommandStats.ReadAsync(servers);
        var published = publisher.Published - publishedBefore;
        return new RedisWindow(
            rate,
            cpu,
            published,
            commands / (double)published,
            RedisCommandStats.PerEvent(statsBefore, statsAfter, published),
            [.. cpuAfter.Zip(cpuBefore, (after, before) => (after - before).TotalMilliseconds / (published / 1000.0))]);
    }
}

/// <summary>A window with nothing published: what Redis does for the subscriptions alone, per second.</summary>
/// <param name="CommandsPerSecond">Redis commands per second, summed over the servers read.</param>
/// <param name="RedisCpuPerSecond">Each redis-server's CPU per second, in the order of the process ids given.</param>
internal sealed record RedisIdleWindow(double CommandsPerSecond, double[] RedisCpuPerSecond);

/// <summary>A flat-out window through Redis.</summary>
/// <param name="Rate">Delivered events/s, counted by the subscribers.</param>
/// <param name="CpuPerThousand">The app servers' CPU (this process) per 1,000 deliveries.</param>
/// <param name="Published">The events published in it.</param>
/// <param name="CommandsPerEvent">Redis commands per published event, summed over the servers read.</param>
/// <param name="Breakdown">The same, by command.</param>
/// <param name="RedisCpuPerThousand">Each redis-server's CPU per 1,000 published events, in the order of the process ids given.</param>
internal sealed record RedisWindow(double Rate, double CpuPerThousand, long Published, double CommandsPerEvent, string Breakdown, double[] RedisCpuPerThousand);
