using System.Diagnostics;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Scale;

/// <summary>What one side holds at one N: connect, first event, memory, latency at 1/s, the rate steps.</summary>
internal sealed record ScaleFigures(
    int Subscribers,
    TimeSpan Connect,
    bool AllGotFirst,
    TimeSpan FirstEvent,
    double HeapPerSubscriber,
    double PoolPerSubscriber,
    double RssPerSubscriber,
    double P50,
    double P99,
    double CpuPerThousandAtOne,
    double HighestRate,
    double CpuPerThousandAtHighest,
    string Steps,
    double IdleCpuShare,
    double PublishCallMs);

/// <summary>
/// One side at one N on a fresh server (keep-alive off, so every frame a subscriber counts is an event):
/// N subscribers of one channel held by <see cref="ScaleClients"/>; the time they take to connect and to get
/// a first event; the server's managed heap after compacting collections and its RSS, against the empty
/// server, per subscriber; one event a second for the latency window; then the rate steps, each a window at a
/// fixed rate, stopping at the first whose p99 is 1 s or more (or that loses an event, or that the publisher
/// cannot keep up); then an idle window (SignalR's own 15 s pings; ours sends nothing with keep-alive off).
/// </summary>
internal static class ScaleMeasurement
{
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    /// <remarks>
    /// RSS is against <paramref name="rssAtStart"/>, the process before the scenario's first server: an upper
    /// bound (it also holds what earlier measurements left mapped). Against this server's own start it read
    /// negative where the runtime returned an earlier measurement's memory meanwhile.
    /// </remarks>
    public static async Task<ScaleFigures> RunAsync(FanoutSide side, string clientMode, int n, E2EOptions options, long rssAtStart)
    {
        using var pool = ServerSideProbe.MeterSum.KestrelPooledBytes();
        await using var server = await FanoutServer.StartAsync();
        var services = server.Services;
        var (heapBefore, _) = Memory();
        var pooledBefore = pool.Value;
        var rssBefore = rssAtStart;

        var started = Stopwatch.GetTimestamp();
        await using var clients = ScaleClients.Start(clientMode, new Uri(server.BaseAddress, side.Path), n);
        var failure = await clients.WaitOpenAsync(TimeSpan.FromSeconds(60 + (n / 50.0)));
        if (failure is not null || !await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n, TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException($"{side.Subscribers(services):N0} of {n:N0} subscribers joined the server; {failure ?? "every child open"}");
        }

        var connect = Stopwatch.GetElapsedTime(started);
        long sequence = 0;
        var first = Stopwatch.GetTimestamp();
        await side.PublishAsync(services, sequence++, CancellationToken.None);
        var allGotFirst = await clients.WaitDeliveredAsync(n, s_settle);
        var firstEvent = Stopwatch.GetElapsedTime(first);
        var (heapAfter, rssAfter) = Memory();
        var pooled = (pool.Value - pooledBefore) / (double)n;
        Console.WriteLine($"  scale {side.Name} {n:N0}: connected in {connect.TotalSeconds:0.0} s, first event to {(allGotFirst ? "all" : $"{clients.Delivered:N0}")} in {firstEvent.TotalMilliseconds:0} ms; heap {(heapAfter - heapBefore) / 1024.0 / n:0.00} KB (of which Kestrel's free blocks {pooled / 1024:0.00} KB), RSS {(rssAfter - rssBefore) / 1024.0 / n:0.00} KB per subscriber");

        // One event a second: the latency line, and CPU per delivery at that rate.
        var one = await StepAsync(side, services, clients, n, 1, options.ScaleLatencyWindow, () => sequence++, options.SampleAllocations);
        Console.WriteLine($"  scale {side.Name} {n:N0}: 1 event/s for {options.ScaleLatencyWindow.TotalSeconds:0} s: {one}");

        var steps = new List<string>();
        var highest = one.Passed ? 1.0 : 0;
        var cpuAtHighest = one.CpuPerThousand;
        foreach (var rate in options.ScaleRates.Where(r => r > 1))
        {
            if (highest == 0)
            {
                break;
            }

            var step = await StepAsync(side, services, clients, n, rate, options.ScaleStepWindow, () => sequence++);
            Console.WriteLine($"  scale {side.Name} {n:N0}: {rate} events/s for {options.ScaleStepWindow.TotalSeconds:0} s: {step}");
            steps.Add($"{rate}/s p99 {step.P99:0} ms{(step.Passed ? string.Empty : " (stop)")}");
            if (!step.Passed)
            {
                break;
            }

            highest = rate;
            cpuAtHighest = step.CpuPerThousand;
        }

        var idle = await IdleShareAsync(options.ScaleKeepAliveWindow);
        Console.WriteLine($"  scale {side.Name} {n:N0}: idle {idle * 100:0.00}% of a core over {options.ScaleKeepAliveWindow.TotalSeconds:0} s");
        return new ScaleFigures(
            n, connect, allGotFirst, TimeSpan.FromTicks(firstEvent.Ticks), (heapAfter - heapBefore) / (double)n, pooled, (rssAfter - rssBefore) / (double)n,
            one.P50, one.P99, one.CpuPerThousand, highest, cpuAtHighest, string.Join(", ", steps), idle, one.PublishCallMs);
    }

    /// <summary>The server's CPU share over a window with nothing published.</summary>
    public static async Task<double> IdleShareAsync(TimeSpan window)
    {
        var cpu = ServerSideProbe.CpuTime();
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(window);
        return (ServerSideProbe.CpuTime() - cpu) / Stopwatch.GetElapsedTime(started);
    }

    public static (long Heap, long Rss) Memory()
    {
        var heap = ServerSideProbe.SettledHeapBytes();
        using var process = Process.GetCurrentProcess();
        return (heap, process.WorkingSet64);
    }

    // Events at a fixed rate for the window; each one's publish-to-last-subscriber latency; p99 under 1 s,
    // every event delivered and the publisher on time make a pass.
    private static async Task<Step> StepAsync(FanoutSide side, IServiceProvider services, ScaleClients clients, int n, int rate, TimeSpan window, Func<long> next, bool sample = false)
    {
        var events = Math.Max(1, (int)(rate * window.TotalSeconds));
        await clients.MarkAsync(events);
        var deliveredBefore = clients.Delivered;
        var cpu = ServerSideProbe.CpuTime();
        var pause = GC.GetTotalPauseDuration();
        var allocated = GC.GetTotalAllocatedBytes();
        using var sampler = sample ? new AllocationSampler() : null;
        var collections = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var published = new long[events];
        var calls = TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rate)))
        {
            for (var i = 0; i < events; i++)
            {
                await timer.WaitForNextTickAsync();
                published[i] = Stopwatch.GetTimestamp();
                await side.PublishAsync(services, next(), CancellationToken.None);
                calls += Stopwatch.GetElapsedTime(published[i]);
            }
        }

        var publishing = Stopwatch.GetElapsedTime(started);
        var all = await clients.WaitDeliveredAsync(deliveredBefore + ((long)events * n), s_settle);
        var cpuUsed = ServerSideProbe.CpuTime() - cpu;
        var deliveries = clients.Delivered - deliveredBefore;
        var last = await clients.LastArrivalsAsync();
        var byEvent = last.Select((t, i) => t < 0 ? double.PositiveInfinity : Stopwatch.GetElapsedTime(published[i], t).TotalMilliseconds).ToList();
        var latencies = byEvent.Order().ToList();
        var worst = string.Join(", ", byEvent.Select((l, i) => (l, i)).OrderByDescending(p => p.l).Take(3).Select(p => $"#{p.i} {p.l:0} ms"));
        var gc = $"server GC: {GC.CollectionCount(0) - collections.Item1}/{GC.CollectionCount(1) - collections.Item2}/{GC.CollectionCount(2) - collections.Item3} collections (gen 0/1/2), {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:0} ms paused, {(GC.GetTotalAllocatedBytes() - allocated) / (double)Math.Max(1, clients.Delivered - deliveredBefore):0} bytes allocated per delivery; worst: {worst}{(sampler is null ? string.Empty : $"; allocated: {sampler.Top(8)}")}";
        var onTime = publishing.TotalSeconds <= window.TotalSeconds * 1.1 + (1.0 / rate);
        var p99 = Quantile(latencies, 0.99);
        return new Step(Quantile(latencies, 0.50), p99, cpuUsed.TotalMilliseconds / Math.Max(1, deliveries / 1000.0), all && onTime && p99 < 1_000, all, onTime, calls.TotalMilliseconds / events, gc);
    }

    private static double Quantile(IReadOnlyList<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    // PublishCallMs: the publish call itself. Collections: the server's collections and GC pauses over the
    // window and its three slowest events (index in the window and latency), to tell a tail made by a pause
    // from one made by the first event after an idle spell.
    private sealed record Step(double P50, double P99, double CpuPerThousand, bool Passed, bool AllDelivered, bool OnTime, double PublishCallMs, string Collections)
    {
        public override string ToString() =>
            $"p50 {P50:0.0} ms, p99 {P99:0.0} ms, publish call {PublishCallMs:0.00} ms, server {CpuPerThousand:0.000} ms / 1,000 deliveries{(AllDelivered ? string.Empty : ", some events missing")}{(OnTime ? string.Empty : ", the publisher fell behind")}; {Collections}";
    }
}
