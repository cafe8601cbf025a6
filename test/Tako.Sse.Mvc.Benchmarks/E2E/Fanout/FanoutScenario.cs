using System.Diagnostics;
using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// One channel, N subscribers held by a child process, three servers side by side: ours
/// (<see cref="ISseHub.PublishAsync"/> and <see cref="SseActionResult.Subscribe"/>), the naive fan-out
/// (<see cref="NaiveFanout"/>) and SignalR sending to a group. For each: memory per subscriber; a warm-up;
/// small events at a fixed rate for latency; then three windows of events published as fast as they are
/// delivered: without, with and again without one more subscriber that never reads.
/// </summary>
internal static class FanoutScenario
{
    // Events published and not yet delivered to the average subscriber: well under our default queue of 1024,
    // so flat-out publishing measures delivery, not the slow-subscriber policy.
    private const int Window = 128;

    // Long enough for tiered compilation of every side's delivery path, which takes longer on a loaded machine.
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        var n = options.FanoutSubscribers;
        Console.WriteLine("  fan-out: ours = ISseHub.PublishAsync + SseActionResult.Subscribe (MVC); naive = a Channel<SseItem<string>> per request + TypedResults.ServerSentEvents (MVC); SignalR = IHubContext.Clients.Group(...).SendAsync to HubConnections (Microsoft.AspNetCore.SignalR.Client) over WebSockets; subscribers in a child process");
        var idle = await IdleStreamsScenario.MeasureAsync("builtin/silent", n, TimeSpan.Zero);
        Console.WriteLine($"  idle built-in stream: {Kb(idle)} per stream");
        var sides = new Dictionary<string, SideFigures>();
        foreach (var side in FanoutSides.All.Where(s => options.FanoutSides.Contains(s.Name.ToLowerInvariant())))
        {
            sides[side.Name] = await RunSideAsync(side, options);
        }

        if (sides.Count < FanoutSides.All.Count)
        {
            // A partial run, for profiling one side: its lines above are the result.
            return [];
        }

        var (ours, naive, signalR) = (sides["ours"], sides["naive"], sides["SignalR"]);
        var setup = $"{n:N0} subscribers, {options.FanoutDuration.TotalSeconds:0} s";
        var latencySetup = $"{options.FanoutLatencyEvents} events, one per {options.FanoutInterval.TotalMilliseconds:0} ms";
        return
        [
            new E2EResult(
                $"delivered events/s, published as fast as delivered ({setup})",
                Rate(ours.Rate), Rate(naive.Rate), Rate(signalR.Rate),
                $"{ours.Rate / naive.Rate:0.00}x naive, {ours.Rate / signalR.Rate:0.00}x SignalR",
                ">= 3x naive and > SignalR",
                ours.Rate >= 3 * naive.Rate && ours.Rate > signalR.Rate),
            new E2EResult(
                "server CPU per 1,000 deliveries (user + kernel)",
                Ms(ours.CpuPerThousand), Ms(naive.CpuPerThousand), Ms(signalR.CpuPerThousand),
                $"{ours.CpuPerThousand / naive.CpuPerThousand:0.00}x naive, {ours.CpuPerThousand / signalR.CpuPerThousand:0.00}x SignalR",
                "-",
                null),
            new E2EResult(
                "client process CPU per 1,000 deliveries (shares the 2 cores)",
                Ms(ours.ClientCpuPerThousand), Ms(naive.ClientCpuPerThousand), Ms(signalR.ClientCpuPerThousand),
                "-",
                "-",
                null),
            new E2EResult(
                $"publish-to-last-subscriber latency p50 ({latencySetup})",
                Ms(ours.P50), Ms(naive.P50), Ms(signalR.P50),
                $"{ours.P50 / naive.P50:0.00}x naive, {ours.P50 / signalR.P50:0.00}x SignalR",
                "-",
                null),
            new E2EResult(
                "publish-to-last-subscriber latency p99",
                Ms(ours.P99), Ms(naive.P99), Ms(signalR.P99),
                $"{ours.P99 / naive.P99:0.00}x naive, {ours.P99 / signalR.P99:0.00}x SignalR",
                "-",
                null),
            new E2EResult(
                $"server memory per subscriber (idle built-in stream: {Kb(idle)})",
                Kb(ours.Memory), Kb(naive.Memory), Kb(signalR.Memory),
                $"{ours.Memory / idle:0.00}x idle built-in",
                "<= 1.2x idle built-in",
                ours.Memory <= 1.2 * idle),
            new E2EResult(
                "delivered events/s to the others with one stuck subscriber",
                Stuck(ours), Stuck(naive), Stuck(signalR),
                $"{ours.StuckRate / ours.AroundStuckRate:0.00} of ours without it, {naive.StuckRate / naive.AroundStuckRate:0.00} naive, {signalR.StuckRate / signalR.AroundStuckRate:0.00} SignalR",
                ">= 0.90 (slowed < 10%)",
                ours.StuckRate >= 0.9 * ours.AroundStuckRate),
            new E2EResult(
                "deliveries missing to the subscribers that read (one of them dropped)",
                ours.Lost, naive.Lost, signalR.Lost,
                "-",
                "-",
                null),
        ];
    }

    private static async Task<SideFigures> RunSideAsync(FanoutSide side, E2EOptions options)
    {
        var n = options.FanoutSubscribers;
        await using var server = await FanoutServer.StartAsync();
        var services = server.Services;

        // Kestrel keeps the blocks it used for response headers in its pool; fill it to its working size first,
        // as the idle-stream run does, so that no side is charged for the pool growing.
        await WarmPoolAsync(server, n);
        var before = ServerSideProbe.SettledHeapBytes();
        await using var client = FanoutClient.Start(side.ClientMode, new Uri(server.BaseAddress, side.Path), n);
        if (!await client.WaitOpenAsync(TimeSpan.FromMinutes(3))
            || !await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n, TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException($"{side.Name}: only {side.Subscribers(services)} of {n} subscribers joined.");
        }

        await Task.Delay(500);
        var memory = (double)(ServerSideProbe.SettledHeapBytes() - before) / n;
        Console.WriteLine($"  {side.Name}: {n} subscribers, {Kb(memory)} each");

        var publisher = new Publisher(side, services, client, n);
        await publisher.FloodAsync(s_warmUp);
        await publisher.SettleAsync();
        await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(10));
        var latencies = await publisher.TimeAsync(options.FanoutLatencyEvents, options.FanoutInterval);
        var settled = await publisher.SettleAsync();

        // The flat-out windows run back to back, so that the one stuck subscriber is all that differs.
        var flood = await publisher.FloodAsync(options.FanoutDuration);
        Console.WriteLine($"  {side.Name}: {flood}");
        settled &= await publisher.SettleAsync();

        if (await client.CommandAsync("stuck", "stuck ok", TimeSpan.FromSeconds(30)) is null
            || !await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n + 1, TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException($"{side.Name}: the stuck subscriber did not join.");
        }

        var stuck = await publisher.FloodAsync(options.FanoutDuration);
        Console.WriteLine($"  {side.Name} with a stuck subscriber: {stuck}; subscribers now {side.Subscribers(services)}");

        // The same window again once the stuck subscriber has left: its rate is compared with the mean of the
        // windows just before and just after, so a drift of the machine (or of a side) over the run cancels out.
        if (await client.CommandAsync("unstuck", "unstuck ok", TimeSpan.FromSeconds(30)) is null)
        {
            throw new InvalidOperationException($"{side.Name}: the stuck subscriber did not close.");
        }

        await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n, TimeSpan.FromSeconds(30));
        var after = await publisher.FloodAsync(options.FanoutDuration);
        Console.WriteLine($"  {side.Name} again without it: {after}");
        settled &= await publisher.SettleAsync();
        return new SideFigures(
            flood.Rate,
            flood.CpuPerThousand,
            flood.ClientCpuPerThousand,
            Quantile(latencies, 0.50),
            Quantile(latencies, 0.99),
            memory,
            stuck.Rate,
            (flood.Rate + after.Rate) / 2,
            settled ? "none" : $"some: {publisher.Missing:N0} deliveries missing");
    }

    private static async Task WarmPoolAsync(FanoutServer server, int streams)
    {
        using var warm = E2EClientProcess.Start(new Uri(server.BaseAddress, "ours/silent"), streams);
        try
        {
            if (!await E2EClientProcess.WaitOpenAsync(warm, TimeSpan.FromSeconds(120)))
            {
                throw new InvalidOperationException("The warm-up streams did not open.");
            }

            await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == streams, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await E2EClientProcess.StopAsync(warm);
            await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == 0, TimeSpan.FromSeconds(60));
        }
    }

    private static double Quantile(IReadOnlyList<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture) + " /s";

    // Against the mean of the windows just before and just after the stuck one.
    private static string Stuck(SideFigures side) =>
        $"{Rate(side.StuckRate)} ({side.StuckRate / side.AroundStuckRate * 100:0}%)";

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    private static string Kb(double bytes) => (bytes / 1024).ToString("0.00", CultureInfo.InvariantCulture) + " KB";

    private sealed record SideFigures(
        double Rate, double CpuPerThousand, double ClientCpuPerThousand, double P50, double P99, double Memory, double StuckRate, double AroundStuckRate, string Lost);

    /// <summary>A measured window of flat-out publishing, with the server's collections in it.</summary>
    private sealed record Flood(double Rate, double CpuPerThousand, double ClientCpuPerThousand, string Collections)
    {
        public override string ToString() =>
            $"{FanoutScenario.Rate(Rate)}, server {Ms(CpuPerThousand)} / 1,000 deliveries, client {Ms(ClientCpuPerThousand)}; GC {Collections}";
    }

    /// <summary>Publishes one side's events, paced by what the child process reports delivered.</summary>
    private sealed class Publisher(FanoutSide side, IServiceProvider services, FanoutClient client, int subscribers)
    {
        private long _published;

        /// <summary>Gets the deliveries still missing at the last <see cref="SettleAsync"/> that timed out.</summary>
        public long Missing { get; private set; }

        public async Task<Flood> FloodAsync(TimeSpan duration)
        {
            using var stop = new CancellationTokenSource(duration);
            var firstPublished = _published;
            var firstDelivered = client.Delivered;
            var cpu = ServerSideProbe.Cpu();
            var clientCpu = client.CpuTime;
            var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var started = Stopwatch.GetTimestamp();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var inFlight = (_published - firstPublished) - ((client.Delivered - firstDelivered) / subscribers);
                    if (inFlight >= Window)
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
            return new Flood(
                deliveries / elapsed.TotalSeconds,
                cpuUsed.TotalMilliseconds / (deliveries / 1000.0),
                clientCpuUsed.TotalMilliseconds / (deliveries / 1000.0),
                $"{GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:0} ms");
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
}
