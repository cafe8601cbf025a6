using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tako.Sse.Mvc.Testing;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The fan-out run through Redis: two instances (two Kestrel servers in this process, each with its own
/// multiplexer) on one redis-server of the run's own, half the subscribers on each (a child process per
/// instance), events published on the first. Side by side, in the same run: the in-memory hub on one instance
/// holding all the subscribers, and SignalR with its Redis backplane in the same topology (HubConnections over
/// WebSockets, a channel prefix of its own on the same redis-server). For each: delivered events/s published as
/// fast as delivered, publish-to-last-subscriber latency, and the Redis commands per published event.
/// </summary>
internal static class RedisFanoutScenario
{
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        await using var redis = await RedisServer.TryStartAsync();
        if (redis is null)
        {
            Console.WriteLine("  fanout-redis: skipped, redis-server is not installed (apt-get install redis-server)");
            return [];
        }

        var n = options.FanoutSubscribers - (options.FanoutSubscribers % 2);
        Console.WriteLine($"  fanout-redis: {n:N0} subscribers; in memory on one instance, or through Redis {redis.EndPoint} on two instances with {n / 2:N0} each, published on the first: ours, and SignalR with its Redis backplane (Clients.Group(...).SendAsync to HubConnections over WebSockets)");
        Figures inMemory;
        await using (var single = await FanoutServer.StartAsync())
        {
            inMemory = await MeasureAsync("in-memory", FanoutSides.Ours, [single], n, options, redis: null);
        }

        Figures onRedis;
        Figures signalR;
        using (var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis.EndPoint }, AllowAdmin = true }))
        {
            var server = admin.GetServer(redis.EndPoint);
            await using (var first = await FanoutServer.StartAsync(t => t.AddStackExchangeRedis(redis.EndPoint)))
            await using (var second = await FanoutServer.StartAsync(t => t.AddStackExchangeRedis(redis.EndPoint)))
            {
                onRedis = await MeasureAsync("redis", FanoutSides.Ours, [first, second], n, options, server);
            }

            await using (var first = await FanoutServer.StartAsync(signalR: s => RedisFanoutRun.AddSignalRBackplane(s, redis.EndPoint)))
            await using (var second = await FanoutServer.StartAsync(signalR: s => RedisFanoutRun.AddSignalRBackplane(s, redis.EndPoint)))
            {
                signalR = await MeasureAsync("SignalR redis", FanoutSides.SignalR, [first, second], n, options, server);
            }
        }

        var latencySetup = $"{options.FanoutLatencyEvents} events, one per {options.FanoutInterval.TotalMilliseconds:0} ms";
        return
        [
            new E2EResult(
                $"delivered events/s, published as fast as delivered ({n:N0} subscribers, {options.FanoutDuration.TotalSeconds:0} s)",
                Rate(onRedis.Rate), Rate(inMemory.Rate), Rate(signalR.Rate),
                $"{onRedis.Rate / inMemory.Rate:0.00}x in-memory, {onRedis.Rate / signalR.Rate:0.00}x SignalR",
                ">= 0.8x in-memory and > SignalR",
                onRedis.Rate >= 0.8 * inMemory.Rate && onRedis.Rate > signalR.Rate),
            new E2EResult(
                "server CPU per 1,000 deliveries (both instances, user + kernel)",
                Ms(onRedis.CpuPerThousand), Ms(inMemory.CpuPerThousand), Ms(signalR.CpuPerThousand),
                $"{onRedis.CpuPerThousand / inMemory.CpuPerThousand:0.00}x in-memory, {onRedis.CpuPerThousand / signalR.CpuPerThousand:0.00}x SignalR",
                "-",
                null),
            new E2EResult(
                $"publish-to-last-subscriber latency p50 ({latencySetup})",
                Ms(onRedis.P50), Ms(inMemory.P50), Ms(signalR.P50), $"{onRedis.P50 - inMemory.P50:+0.000;-0.000} ms over in-memory", "-", null),
            new E2EResult(
                "publish-to-last-subscriber latency p99",
                Ms(onRedis.P99), Ms(inMemory.P99), Ms(signalR.P99), $"{onRedis.P99 - inMemory.P99:+0.000;-0.000} ms over in-memory", "-", null),
            new E2EResult(
                "Redis commands per published event (2 instances)",
                Count(onRedis.CommandsPerEvent), "-", Count(signalR.CommandsPerEvent), "-", "-", null),
            new E2EResult(
                "the same, by command (INFO commandstats: a script's own commands count)",
                onRedis.Breakdown, "-", signalR.Breakdown, "-", "-", null),
            new E2EResult(
                "deliveries missing at the end",
                Count(onRedis.Missing), Count(inMemory.Missing), Count(signalR.Missing), "-", "-", null),
        ];
    }

    private static async Task<Figures> MeasureAsync(string name, FanoutSide side, FanoutServer[] servers, int n, E2EOptions options, IServer? redis)
    {
        var each = n / servers.Length;
        var clients = await RedisFanoutRun.OpenAsync(name, side, servers, each);
        try
        {
            var publisher = new RedisFanoutPublisher(side, servers[0].Services, clients, each);

            // The first event also proves every instance's subscription is in place before anything is timed.
            if (!await publisher.PrimeAsync(1))
            {
                throw new InvalidOperationException($"{name}: the first event did not reach every subscriber.");
            }

            await publisher.FloodAsync(s_warmUp);
            await publisher.SettleAsync();
            await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(10));
            var latencies = await publisher.TimeAsync(options.FanoutLatencyEvents, options.FanoutInterval);
            await publisher.SettleAsync();

            var window = await RedisFanoutRun.MeasureAsync(publisher, options.FanoutDuration, redis is null ? [] : [redis], []);
            var settled = await publisher.SettleAsync();
            var figures = new Figures(
                window.Rate,
                window.CpuPerThousand,
                Quantile(latencies, 0.50),
                Quantile(latencies, 0.99),
                redis is null ? 0 : window.CommandsPerEvent,
                settled ? 0 : publisher.Missing,
                window.Breakdown);
            Console.WriteLine($"  {name}: {Rate(window.Rate)}, {Ms(window.CpuPerThousand)} CPU / 1,000 deliveries, p50 {Ms(figures.P50)}, p99 {Ms(figures.P99)}, {figures.CommandsPerEvent:0.00} Redis commands per event ({figures.Breakdown})");
            return figures;
        }
        finally
        {
            await RedisFanoutRun.CloseAsync(clients);
        }
    }

    private static double Quantile(IReadOnlyList<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture) + " /s";

    private static string Count(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    private sealed record Figures(double Rate, double CpuPerThousand, double P50, double P99, double CommandsPerEvent, long Missing, string Breakdown);
}
