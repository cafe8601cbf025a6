using System.Diagnostics;
using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>Publishes one side's events, paced by what the child process reports delivered.</summary>
internal sealed class FanoutPublisher(FanoutSide side, IServiceProvider services, FanoutClient client, int subscribers)
{
    // Events published and not yet delivered to the average subscriber: well under our default queue of 1024,
    // so flat-out publishing measures delivery, not the slow-subscriber policy.
    private const int Window = 128;

    // Events published and not yet delivered to the slowest subscriber: half our default queue. One reader the
    // scheduler leaves alone for a moment falls behind the others while the average stays in the window above,
    // and with few subscribers it takes little: at 50 subscribers and 100,000 events a second each, 10 ms
    // behind filled a queue of 1,024, and the policy disconnected readers of the tiny run's multi side. The
    // publisher waits for such a reader too, so no side's queue ever decides the figures.
    private const int SlowestWindow = 512;

    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    private long _published;

    /// <summary>Gets the deliveries still missing at the last <see cref="SettleAsync"/> that timed out.</summary>
    public long Missing { get; private set; }

    public async Task<FanoutWindow> FloodAsync(TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var firstPublished = _published;
        var firstDelivered = client.Delivered;
        var cpu = ServerSideProbe.Cpu();
        var clientCpu = client.CpuTime;
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        using var writes = side.CountWrites(services);
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var inFlight = (_published - firstPublished) - ((client.Delivered - firstDelivered) / subscribers);
                // Every event since the subscribers joined went through this publisher; a frame the stream opens
                // with, counted by the child too, only makes this a frame or two lower.
                var slowest = client.Slowest;
                var slowestBehind = slowest < 0 ? 0 : _published - slowest;
                if (inFlight >= Window || slowestBehind >= SlowestWindow)
                {
                    await client.NextReportAsync(stop.Token);
                    continue;
                }

                // SignalR's send to a group waits for its slowest member; the window ends regardless.
                var publishing = side.PublishAsync(services, _published, stop.Token);
                if (!publishing.IsCompletedSuccessfully)
                {
                    await publishing.AsTask().WaitAsync(stop.Token);
                }

                _published++;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The window is over (a publish that was still waiting for a stuck subscriber is abandoned).
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var deliveries = client.Delivered - firstDelivered;
        var cpuUsed = (ServerSideProbe.Cpu() - cpu).Total;
        var clientCpuUsed = client.CpuTime - clientCpu;
        return new FanoutWindow(
            deliveries / elapsed.TotalSeconds,
            cpuUsed.TotalMilliseconds / (deliveries / 1000.0),
            clientCpuUsed.TotalMilliseconds / (deliveries / 1000.0),
            $"{GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:0} ms",
            writes is { Count: > 0 } ? deliveries / (double)writes.Count : null);
    }

    /// <summary>Waits until every subscriber has every event; false (and <see cref="Missing"/> set) if some never will.</summary>
    public async Task<bool> SettleAsync()
    {
        var expected = _published * subscribers;
        if (await client.WaitDeliveredAsync(expected, s_settle))
        {
            return true;
        }

        Missing = expected - client.Delivered;
        return false;
    }

    /// <summary>Publishes <paramref name="events"/> at a fixed period; returns their publish-to-last-subscriber latencies, sorted.</summary>
    public async Task<IReadOnlyList<double>> TimeAsync(int events, TimeSpan period)
    {
        if (await client.CommandAsync($"mark {events}", "marked", TimeSpan.FromSeconds(30)) is null)
        {
            throw new InvalidOperationException($"{side.Name}: the client did not mark.");
        }

        var published = new long[events];
        using (var timer = new PeriodicTimer(period))
        {
            for (var i = 0; i < events; i++)
            {
                await timer.WaitForNextTickAsync();
                published[i] = Stopwatch.GetTimestamp();
                await side.PublishAsync(services, _published++, CancellationToken.None);
            }
        }

        await client.WaitDeliveredAsync(_published * subscribers, s_settle);
        var reply = await client.CommandAsync("lat", "lat ", TimeSpan.FromSeconds(30))
            ?? throw new InvalidOperationException($"{side.Name}: the client did not report latencies.");
        var arrived = reply[4..].Split(' ').Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        return [.. arrived
            .Select((last, i) => last < 0 ? double.NaN : Stopwatch.GetElapsedTime(published[i], last).TotalMilliseconds)
            .Where(ms => !double.IsNaN(ms))
            .Order()];
    }
}
