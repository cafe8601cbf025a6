using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The fan-out run through Redis: two instances (two Kestrel servers in this process, each with its own
/// multiplexer) on one redis-server of the run's own, half the subscribers on each (a child process per
/// instance), events published on the first. Side by side with the in-memory hub on one instance holding all
/// the subscribers: delivered events/s published as fast as delivered, publish-to-last-subscriber latency,
/// and the Redis commands per published event.
/// </summary>
/// <remarks>SignalR's Redis backplane is not measured here (yet): see docs/performance.md.</remarks>
internal static class RedisFanoutScenario
{
    private const int Window = 128;
    private const int Concurrency = 16;
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        using var redis = await BenchmarkRedisServer.StartAsync();
        if (redis is null)
        {
            Console.WriteLine("  fanout-redis: skipped, redis-server is not installed (apt-get install redis-server)");
            return [];
        }

        var n = options.FanoutSubscribers - (options.FanoutSubscribers % 2);
        Console.WriteLine($"  fanout-redis: {n:N0} subscribers; in memory on one instance, or through Redis {EndPointText(redis)} on two instances with {n / 2:N0} each, published on the first");
        Figures inMemory;
        await using (var single = await FanoutServer.StartAsync())
        {
            inMemory = await MeasureAsync("in-memory", [single], n, options, redis: null);
        }

        Figures onRedis;
        using (var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis.EndPoint }, AllowAdmin = true }))
        {
            await using var first = await FanoutServer.StartAsync(t => t.AddStackExchangeRedis(redis.EndPoint));
            await using var second = await FanoutServer.StartAsync(t => t.AddStackExchangeRedis(redis.EndPoint));
            onRedis = await MeasureAsync("redis", [first, second], n, options, admin.GetServer(redis.EndPoint));
        }

        var latencySetup = $"{options.FanoutLatencyEvents} events, one per {options.FanoutInterval.TotalMilliseconds:0} ms";
        return
        [
            new E2EResult(
                $"delivered events/s, published as fast as delivered ({n:N0} subscribers, {options.FanoutDuration.TotalSeconds:0} s)",
                Rate(onRedis.Rate), Rate(inMemory.Rate), "-",
                $"{onRedis.Rate / inMemory.Rate:0.00}x in-memory",
                ">= 0.8x in-memory",
                onRedis.Rate >= 0.8 * inMemory.Rate),
            new E2EResult(
                "server CPU per 1,000 deliveries (both instances, user + kernel)",
                Ms(onRedis.CpuPerThousand), Ms(inMemory.CpuPerThousand), "-", $"{onRedis.CpuPerThousand / inMemory.CpuPerThousand:0.00}x in-memory", "-", null),
            new E2EResult(
                $"publish-to-last-subscriber latency p50 ({latencySetup})",
                Ms(onRedis.P50), Ms(inMemory.P50), "-", $"+{onRedis.P50 - inMemory.P50:0.000} ms", "-", null),
            new E2EResult(
                "publish-to-last-subscriber latency p99",
                Ms(onRedis.P99), Ms(inMemory.P99), "-", $"+{onRedis.P99 - inMemory.P99:0.000} ms", "-", null),
            new E2EResult(
                "Redis commands per published event (2 instances)",
                onRedis.CommandsPerEvent.ToString("0.00", CultureInfo.InvariantCulture), "-", "-", "-", "-", null),
            new E2EResult(
                "deliveries missing at the end",
                onRedis.Missing.ToString("N0", CultureInfo.InvariantCulture), inMemory.Missing.ToString("N0", CultureInfo.InvariantCulture), "-", "-", "-", null),
        ];
    }

    private static async Task<Figures> MeasureAsync(string name, FanoutServer[] servers, int n, E2EOptions options, IServer? redis)
    {
        var each = n / servers.Length;
        var clients = servers.Select(s => FanoutClient.Start("sse", new Uri(s.BaseAddress, "fanout/ours"), each)).ToArray();
        try
        {
            foreach (var client in clients)
            {
                if (!await client.WaitOpenAsync(TimeSpan.FromMinutes(3)))
                {
                    throw new InvalidOperationException($"{name}: the subscribers did not open.");
                }
            }

            if (!await ServerSideProbe.WaitUntilAsync(() => servers.Sum(s => Hub(s).GetSubscriberCount(FanoutSides.Channel)) == n, TimeSpan.FromSeconds(60)))
            {
                throw new InvalidOperationException($"{name}: not every subscriber joined.");
            }

            var publisher = new Publisher(Hub(servers[0]), clients, each);

            // The first event also proves every instance's subscription is in place before anything is timed.
            await publisher.PublishAsync();
            if (!await publisher.SettleAsync())
            {
                throw new InvalidOperationException($"{name}: the first event did not reach every subscriber.");
            }

            await publisher.FloodAsync(s_warmUp);
            await publisher.SettleAsync();
            await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(10));
            var latencies = await publisher.TimeAsync(options.FanoutLatencyEvents, options.FanoutInterval);
            await publisher.SettleAsync();

            var commandsBefore = redis is null ? 0 : await CommandsAsync(redis);
            var publishedBefore = publisher.Published;
            var (rate, cpu) = await publisher.FloodAsync(options.FanoutDuration);
            var commands = redis is null ? 0 : await CommandsAsync(redis) - commandsBefore - 1;
            var settled = await publisher.SettleAsync();
            var figures = new Figures(
                rate,
                cpu,
                Quantile(latencies, 0.50),
                Quantile(latencies, 0.99),
                commands / (double)(publisher.Published - publishedBefore),
                settled ? 0 : publisher.Missing);
            Console.WriteLine($"  {name}: {Rate(rate)}, {Ms(cpu)} CPU / 1,000 deliveries, p50 {Ms(figures.P50)}, p99 {Ms(figures.P99)}, {figures.CommandsPerEvent:0.00} Redis commands per event");
            return figures;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static ISseHub Hub(FanoutServer server) => server.Services.GetRequiredService<ISseHub>();

    private static async Task<long> CommandsAsync(IServer redis)
    {
        var stats = await redis.InfoAsync("stats");
        var value = stats.SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value;
        return long.Parse(value, CultureInfo.InvariantCulture);
    }

    private static string EndPointText(BenchmarkRedisServer redis) => redis.EndPoint;

    private static double Quantile(IReadOnlyList<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture) + " /s";

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    private sealed record Figures(double Rate, double CpuPerThousand, double P50, double P99, double CommandsPerEvent, long Missing);

    /// <summary>Publishes on one instance, paced by what the child processes report delivered (all of them added up).</summary>
    private sealed class Publisher(ISseHub hub, FanoutClient[] clients, int eachSubscribers)
    {
        private readonly int _subscribers = eachSubscribers * clients.Length;

        public long Published { get; private set; }

        public long Missing { get; private set; }

        private long Delivered => clients.Sum(c => c.Delivered);

        public async Task PublishAsync()
        {
            await hub.PublishAsync(FanoutSides.Channel, SseEvent.FromData(FanoutSides.Payload(Published)).WithEvent(FanoutSides.EventName));
            Published++;
        }

        public async Task<(double Rate, double CpuPerThousand)> FloodAsync(TimeSpan duration)
        {
            using var stop = new CancellationTokenSource(duration);
            var firstPublished = Published;
            var firstDelivered = Delivered;
            var cpu = ServerSideProbe.Cpu();
            var started = Stopwatch.GetTimestamp();

            // Several publications in flight, as from many requests at once: through Redis, one at a time
            // would measure the round trip, not the fan-out.
            var pending = new Queue<Task>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if ((Published - firstPublished) - ((Delivered - firstDelivered) / _subscribers) >= Window)
                    {
                        await Task.WhenAny(clients.Select(c => c.NextReportAsync(stop.Token))).Unwrap();
                        continue;
                    }

                    if (pending.Count >= Concurrency)
                    {
                        await pending.Dequeue();
                    }

                    pending.Enqueue(hub.PublishAsync(FanoutSides.Channel, SseEvent.FromData(FanoutSides.Payload(Published)).WithEvent(FanoutSides.EventName)).AsTask());
                    Published++;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The window is over.
            }

            await Task.WhenAll(pending);

            var deliveries = Delivered - firstDelivered;
            var elapsed = Stopwatch.GetElapsedTime(started);
            return (deliveries / elapsed.TotalSeconds, (ServerSideProbe.Cpu() - cpu).Total.TotalMilliseconds / (deliveries / 1000.0));
        }

        public async Task<bool> SettleAsync()
        {
            var expected = Published * _subscribers;
            if (await ServerSideProbe.WaitUntilAsync(() => Delivered >= expected, s_settle))
            {
                return true;
            }

            Missing = expected - Delivered;
            return false;
        }

        public async Task<IReadOnlyList<double>> TimeAsync(int events, TimeSpan period)
        {
            foreach (var client in clients)
            {
                if (await client.CommandAsync($"mark {events}", "marked", TimeSpan.FromSeconds(30)) is null)
                {
                    throw new InvalidOperationException("A client did not mark.");
                }
            }

            var published = new long[events];
            using (var timer = new PeriodicTimer(period))
            {
                for (var i = 0; i < events; i++)
                {
                    await timer.WaitForNextTickAsync();
                    published[i] = Stopwatch.GetTimestamp();
                    await PublishAsync();
                }
            }

            await SettleAsync();

            // Each event's last arrival over both instances' subscribers.
            var last = new long[events];
            foreach (var client in clients)
            {
                var reply = await client.CommandAsync("lat", "lat ", TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("A client did not report latencies.");
                var arrived = reply[4..].Split(' ').Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                for (var i = 0; i < events && i < arrived.Length; i++)
                {
                    last[i] = arrived[i] < 0 || last[i] < 0 ? -1 : Math.Max(last[i], arrived[i]);
                }
            }

            return [.. last
                .Select((at, i) => at < 0 ? double.NaN : Stopwatch.GetElapsedTime(published[i], at).TotalMilliseconds)
                .Where(ms => !double.IsNaN(ms))
                .Order()];
        }
    }
}
