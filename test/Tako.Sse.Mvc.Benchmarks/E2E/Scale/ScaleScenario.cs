using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Scale;

/// <summary>
/// How many subscribers one instance holds: one channel at N = 5,000, 10,000 and the most this process's
/// open-file limit allows, ours and SignalR (raw WebSocket clients that complete its handshake and count
/// invocations) each on a fresh server per N (<see cref="ScaleMeasurement"/>); then keep-alive at the default
/// 15 s period with N idle subscribers, ours beside a bare endpoint writing the same comment.
/// </summary>
internal static class ScaleScenario
{
    // Sockets of the server process that are not subscribers: listening sockets, pipes of the children,
    // epoll, the runtime's own files. Measured below, and this much more kept free.
    private const int FileMargin = 500;

    private static readonly TimeSpan s_keepAlive = TimeSpan.FromSeconds(15);

    /// <summary>The most subscribers this process can hold: its open-file limit, less what it has open, in thousands.</summary>
    public static (int Max, long Limit, int Open) Capacity()
    {
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var limit = long.Parse(line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        var open = Directory.GetFiles("/proc/self/fd").Length;
        var max = (int)Math.Max(1, (limit - open - FileMargin) / 1000 * 1000);
        return (max, limit, open);
    }

    public static async Task<(IReadOnlyList<E2EResult> Results, string Table)> RunAsync(E2EOptions options)
    {
        var (max, limit, open) = Capacity();
        var sizes = options.ScaleSizes.Select(s => s == 0 || s > max ? max : s).Distinct().Order().ToList();
        Console.WriteLine($"  scale: open-file limit {limit:N0} (soft), {open} open before the run: at most {max:N0} subscribers; N = {string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}; clients in child processes of {ScaleClients.PerChild:N0} at most, from 127.0.0.2, 127.0.0.3, ...");
        var figures = new Dictionary<(string, int), ScaleFigures>();
        var stops = new List<string>();
        var (_, rssAtStart) = ScaleMeasurement.Memory();
        foreach (var (side, mode) in Sides(options))
        {
            foreach (var n in sizes)
            {
                try
                {
                    figures[(side.Name, n)] = await ScaleMeasurement.RunAsync(side, mode, n, options, rssAtStart);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Console.WriteLine($"  scale {side.Name} {n:N0}: could not hold them: {exception.Message}");
                    stops.Add($"{side.Name} stops at {n:N0}: {exception.Message}");
                    break;
                }
            }
        }

        var keepAlive = new Dictionary<int, (double Ours, double Bare)>();
        if (options.ScaleSides.Contains("ours"))
        {
            for (var i = 0; i < sizes.Count; i++)
            {
                try
                {
                    keepAlive[sizes[i]] = await KeepAliveAsync(sizes[i], oursFirst: i % 2 == 0, options);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    stops.Add($"keep-alive at {sizes[i]:N0}: {exception.Message}");
                }
            }
        }

        return Report(sizes, figures, keepAlive, stops);
    }

    private static IEnumerable<(FanoutSide Side, string Mode)> Sides(E2EOptions options)
    {
        if (options.ScaleSides.Contains("ours"))
        {
            yield return (FanoutSides.Ours, "sse");
        }

        if (options.ScaleSides.Contains("signalr"))
        {
            yield return (FanoutSides.SignalR, "signalr-raw");
        }

        // The floor: the fan-out run's bare ring (no hub, no queues, no ids), woken and written the same way.
        if (options.ScaleSides.Contains("bare"))
        {
            yield return (FanoutSides.Bare, "sse");
        }
    }

    // N idle subscribers with keep-alive at 15 s, ours and the bare endpoint in turn on one server: the server's
    // CPU over a window after every stream has had its first keep-alive.
    private static async Task<(double Ours, double Bare)> KeepAliveAsync(int n, bool oursFirst, E2EOptions options)
    {
        await using var server = await FanoutServer.StartAsync(keepAlive: s_keepAlive);
        var hub = server.Services.GetRequiredService<ISseHub>();
        var bare = server.Services.GetRequiredService<BareKeepAlive>();
        var ours = 0.0;
        var limit = 0.0;
        foreach (var isOurs in oursFirst ? new[] { true, false } : [false, true])
        {
            Func<int> count = isOurs ? () => hub.GetSubscriberCount(FanoutSides.Channel) : () => bare.Count;
            await using (var clients = ScaleClients.Start("sse", new Uri(server.BaseAddress, isOurs ? "fanout/ours" : "fanout/bare-keepalive"), n))
            {
                var failure = await clients.WaitOpenAsync(TimeSpan.FromSeconds(60 + (n / 50.0)));
                if (failure is not null || !await ServerSideProbe.WaitUntilAsync(() => count() == n, TimeSpan.FromSeconds(60)))
                {
                    throw new InvalidOperationException($"{count():N0} of {n:N0} idle subscribers joined; {failure ?? "every child open"}");
                }

                await Task.Delay(s_keepAlive + TimeSpan.FromSeconds(2));
                await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(10));
                var share = await ScaleMeasurement.IdleShareAsync(options.ScaleKeepAliveWindow);
                Console.WriteLine($"  scale keep-alive {(isOurs ? "ours" : "bare")} {n:N0}: {share * 100:0.00}% of a core over {options.ScaleKeepAliveWindow.TotalSeconds:0} s");
                (isOurs ? ref ours : ref limit) = share;
            }

            await ServerSideProbe.WaitUntilAsync(() => count() == 0, TimeSpan.FromSeconds(60));
        }

        return (ours, limit);
    }

    private static (IReadOnlyList<E2EResult>, string) Report(
        List<int> sizes, Dictionary<(string, int), ScaleFigures> figures, Dictionary<int, (double Ours, double Bare)> keepAlive, List<string> stops)
    {
        var columns = new List<(string Side, int N)>();
        foreach (var side in new[] { "ours", "SignalR", "bare" })
        {
            columns.AddRange(sizes.Where(n => figures.ContainsKey((side, n))).Select(n => (side, n)));
        }

        var table = new StringBuilder();
        table.AppendLine($"| figure | {string.Join(" | ", columns.Select(c => $"{c.Side} {c.N:N0}"))} |");
        table.AppendLine($"|---|{string.Concat(columns.Select(_ => "---:|"))}");
        Line("time to connect all", f => $"{f.Connect.TotalSeconds:0.0} s");
        Line("first event reached every one", f => f.AllGotFirst ? $"yes, {f.FirstEvent.TotalMilliseconds:0} ms" : "**no**");
        Line("managed heap per subscriber (after compacting GC)", f => $"{f.HeapPerSubscriber / 1024:0.00} KB");
        Line("of it, Kestrel's pool of free blocks (aspnetcore.memory_pool.pooled), per subscriber", f => $"{f.PoolPerSubscriber / 1024:0.00} KB");
        Line("managed heap per subscriber without that pool", f => $"{(f.HeapPerSubscriber - f.PoolPerSubscriber) / 1024:0.00} KB");
        Line("process RSS per subscriber (over the process before the first server: an upper bound)", f => $"{f.RssPerSubscriber / 1024:0.00} KB");
        Line("latency p50 at 1 event/s", f => $"{f.P50:0.0} ms");
        Line("latency p99 at 1 event/s", f => $"{f.P99:0.0} ms");
        Line("publish call at 1 event/s (ours: the channel's lock held)", f => $"{f.PublishCallMs:0.00} ms");
        Line("server CPU per 1,000 deliveries at 1 event/s", f => $"{f.CpuPerThousandAtOne:0.000} ms");
        Line("highest rate with p99 < 1 s (events/s)", f => f.HighestRate.ToString("0", CultureInfo.InvariantCulture));
        Line("server CPU per 1,000 deliveries at that rate", f => $"{f.CpuPerThousandAtHighest:0.000} ms");
        Line("the steps above 1/s", f => f.Steps.Length == 0 ? "-" : f.Steps);
        Line("server CPU idle (no keep-alive for ours; SignalR's 15 s pings)", f => $"{f.IdleCpuShare * 100:0.00}%");
        table.AppendLine($"| keep-alive CPU at 15 s, idle subscribers: ours / bare endpoint | {string.Join(" | ", columns.Select(c => c.Side == "ours" && keepAlive.TryGetValue(c.N, out var k) ? $"{k.Ours * 100:0.00}% / {k.Bare * 100:0.00}% ({k.Ours / k.Bare:0.00}x)" : "-"))} |");
        foreach (var stop in stops)
        {
            table.AppendLine($"- {stop}");
        }

        var results = new List<E2EResult>();
        var largest = sizes.Where(n => figures.ContainsKey(("ours", n))).DefaultIfEmpty().Max();
        if (largest > 0)
        {
            var top = figures[("ours", largest)];
            var low = figures[("ours", sizes.First(n => figures.ContainsKey(("ours", n))))];
            results.Add(Target($"ours at {largest:N0}: all connected and served", top.AllGotFirst ? "yes" : "no", "yes", top.AllGotFirst));
            results.Add(Target("managed heap per subscriber", $"{top.HeapPerSubscriber / 1024:0.00} KB", "<= 14 KB", top.HeapPerSubscriber <= 14 * 1024));
            results.Add(Target("RSS per subscriber", $"{top.RssPerSubscriber / 1024:0.00} KB", "<= 30 KB", top.RssPerSubscriber <= 30 * 1024));
            results.Add(Target("p99 at 1 event/s", $"{top.P99:0.0} ms", "< 250 ms", top.P99 < 250));
            if (keepAlive.TryGetValue(largest, out var k))
            {
                results.Add(Target("keep-alive CPU against the bare endpoint", $"{k.Ours / k.Bare:0.00}x", "<= 1.2x", k.Ours <= 1.2 * k.Bare));
            }

            results.Add(Target($"heap per subscriber, {largest:N0} against {low.Subscribers:N0}", $"{top.HeapPerSubscriber / low.HeapPerSubscriber:0.00}x", "within 10%", Math.Abs((top.HeapPerSubscriber / low.HeapPerSubscriber) - 1) <= 0.1));
            // At the same rate for every N (the highest rate passed differs from one N to the next).
            results.Add(Target($"CPU per delivery at 1 event/s, {largest:N0} against {low.Subscribers:N0}", $"{top.CpuPerThousandAtOne / low.CpuPerThousandAtOne:0.00}x", "within 10%", Math.Abs((top.CpuPerThousandAtOne / low.CpuPerThousandAtOne) - 1) <= 0.1));
        }

        results.AddRange(stops.Select(s => new E2EResult(s, "-", "-", "-", "-", "-", null)));
        return (results, table.ToString());

        void Line(string figure, Func<ScaleFigures, string> value) =>
            table.AppendLine($"| {figure} | {string.Join(" | ", columns.Select(c => value(figures[c])))} |");
    }

    private static E2EResult Target(string figure, string value, string target, bool met) => new(figure, value, "-", "-", "-", target, met);
}
