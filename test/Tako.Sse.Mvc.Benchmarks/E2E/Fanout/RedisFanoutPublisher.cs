using System.Diagnostics;
using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// Publishes one side's events on one instance of the fanout-redis and fanout-cluster runs, paced by what the
/// child processes report delivered (all of them added up): each event reaches <c>eachSubscribers</c> on every
/// instance (all of them in fanout-redis, its channel's in fanout-cluster).
/// </summary>
/// <remarks>
/// Several publications are in flight, as from many requests at once (<paramref name="concurrency"/>, 16 by
/// default): through Redis, one at a time would measure the round trip, not the fan-out. The fanout-cluster run,
/// which spreads its events over three masters, keeps more in flight.
/// </remarks>
internal sealed class RedisFanoutPublisher(FanoutSide side, IServiceProvider services, FanoutClient[] clients, int eachSubscribers, int concurrency = 16)
{
    // Events published and not yet delivered to the average subscriber, as in the fanout run.
    private const int Window = 128;

    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    private readonly int _subscribers = eachSubscribers * clients.Length;

    public long Published { get; private set; }

    public long Missing { get; private set; }

    private long Delivered => clients.Sum(c => c.Delivered);

    public async Task PublishAsync()
    {
        await side.PublishAsync(services, Published, CancellationToken.None);
        Published++;
    }

    /// <summary>
    /// Publishes <paramref name="events"/> one after the other and waits until each has reached every subscriber
    /// it is owed to: once it has, every instance's subscriptions are in place and nothing before it is timed.
    /// </summary>
    public async Task<bool> PrimeAsync(int events)
    {
        for (var i = 0; i < events; i++)
        {
            await PublishAsync();
        }

        return await SettleAsync();
    }

    public async Task<(double Rate, double CpuPerThousand)> FloodAsync(TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var firstPublished = Published;
        var firstDelivered = Delivered;
        var cpu = ServerSideProbe.Cpu();
        var started = Stopwatch.GetTimestamp();
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

                if (pending.Count >= concurrency)
                {
                    await pending.Dequeue();
                }

                pending.Enqueue(side.PublishAsync(services, Published, CancellationToken.None).AsTask());
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

    /// <summary>Publishes <paramref name="events"/> at a fixed period; returns their publish-to-last-subscriber latencies, sorted.</summary>
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
