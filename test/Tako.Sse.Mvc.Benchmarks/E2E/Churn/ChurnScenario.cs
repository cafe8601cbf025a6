using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;
using Tako.Sse.Mvc.Benchmarks.E2E.Scale;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Churn;

/// <summary>
/// Subscribers connecting and leaving continuously while an event a second goes to the channel
/// (<see cref="ChurnPhase"/>), on one server: a short warm-up phase of the same load, everyone gone, the start
/// measured (managed heap after compacting collections, threads); the churn window; everyone gone again, the
/// end measured. Targets: no stayer misses or doubles an event, the server's count returns to 0, heap and
/// threads return to within 10% of the start.
/// </summary>
/// <remarks>
/// Both ends are measured with no subscriber at all, after the same load, so a difference is what churn
/// left behind. Threads the thread pool added under load retire after some idle seconds, so the end is taken
/// once the thread count is back within 10% (polled, up to a minute); the time that took and the figures the
/// moment the count reached 0 are reported too.
/// </remarks>
internal static class ChurnScenario
{
    private const double Tolerance = 0.10;

    private static readonly TimeSpan s_return = TimeSpan.FromSeconds(60);

    public static async Task<(IReadOnlyList<E2EResult> Results, string Table)> RunAsync(E2EOptions options)
    {
        var (max, _, _) = ScaleScenario.Capacity();
        var subscribers = options.ChurnSubscribers;
        var stayers = options.ChurnStayers > 0 ? options.ChurnStayers : Math.Max(1, subscribers / 5);
        if (subscribers > max || stayers >= subscribers)
        {
            throw new InvalidOperationException($"{subscribers:N0} subscribers with {stayers:N0} stayers: at most {max:N0} (the open-file limit), and fewer stayers than subscribers.");
        }

        var shape = new ChurnShape(stayers, subscribers - stayers, options.ChurnRate);
        Console.WriteLine($"  churn: {shape.Stayers:N0} stayers and {shape.Churners:N0} churners at {shape.Rate:N0} connects/s (mean stay {shape.MeanStay.TotalSeconds:0.00} s), {options.ChurnDuration.TotalSeconds:0} s after a {options.ChurnWarmup.TotalSeconds:0} s warm-up");
        await using var server = await FanoutServer.StartAsync(backlog: options.ChurnBacklog);
        var services = server.Services;
        var fresh = Threads();
        var address = 2;

        var warm = await ChurnPhase.RunAsync(server, shape, options.ChurnWarmup, 0, ref address);
        Print("warm-up", warm);
        if (!await WaitEmptyAsync(services))
        {
            throw new InvalidOperationException($"After the warm-up the server still counts {FanoutSides.Ours.Subscribers(services):N0} subscribers.");
        }

        await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(10));
        var start = Snapshot.Take();
        Console.WriteLine($"  churn start: {start}");
        await HoldAsync(options, "start");
        var overflows = ListenOverflows();

        var run = await ChurnPhase.RunAsync(server, shape, options.ChurnDuration, warm.Events, ref address);
        overflows = ListenOverflows() - overflows;
        Print("churn", run);
        var leaving = Stopwatch.GetTimestamp();
        await WaitEmptyAsync(services);
        var emptied = Stopwatch.GetElapsedTime(leaving);
        var left = FanoutSides.Ours.Subscribers(services);
        var emptyAt = Snapshot.Take();
        Console.WriteLine($"  churn end, {emptied.TotalSeconds:0.0} s after the churners stopped: {left:N0} subscribers; {emptyAt}");

        // The end is taken once the threads are back (or the deadline): each extra thread holds its own
        // caches (the shared array pool's per-thread arrays, the thread pool's queues) until it retires.
        var returning = Stopwatch.GetTimestamp();
        await ServerSideProbe.WaitUntilAsync(() => Threads() <= start.Threads * (1 + Tolerance), s_return);
        var returned = Stopwatch.GetElapsedTime(returning);
        var end = Snapshot.Take();
        var threads = end.Threads;
        Console.WriteLine($"  churn end, {returned.TotalSeconds:0.0} s later: {end}");
        await HoldAsync(options, "end");

        var rows = new List<E2EResult>
        {
            Info("subscribers open at once: stayers + churners", $"{shape.Stayers:N0} + {shape.Churners:N0}"),
            Info("the server's listen backlog", options.ChurnBacklog?.ToString("N0", CultureInfo.InvariantCulture) ?? "Kestrel's default (512)"),
            Info("a churner's stay: uniform, mean", $"{shape.MeanStay.TotalSeconds:0.00} s (leaves by FIN and RST in turn)"),
            Target($"connects per second, the last {run.SteadyWindow.TotalSeconds:0} s of the {run.Window.TotalSeconds:0} s window (after the ramp)", Rate(run.Steady.Connects, run.SteadyWindow), $">= 90% of {shape.Rate:N0} /s", run.Steady.Connects / run.SteadyWindow.TotalSeconds >= 0.9 * shape.Rate),
            Target("leaves per second, the same seconds", Rate(run.Steady.Leaves, run.SteadyWindow), $">= 90% of {shape.Rate:N0} /s", run.Steady.Leaves / run.SteadyWindow.TotalSeconds >= 0.9 * shape.Rate),
            Info("connects and leaves over the whole window", $"{run.Counts.Connects:N0} and {run.Counts.Leaves:N0} ({Rate(run.Counts.Connects, run.Window)} and {Rate(run.Counts.Leaves, run.Window)})"),
            Info("connects that failed (10 s timeout); FINs the server left unanswered for 10 s", $"{run.Counts.Failures:N0}; {run.Counts.Unanswered:N0}"),
            Info("SYNs dropped with the listen queue full (the kernel's ListenOverflows, machine-wide, during the phase)", overflows < 0 ? "unknown" : overflows.ToString("N0", CultureInfo.InvariantCulture)),
            Info("subscribers the server counted during churn, min / mean / max (each second)", $"{run.MinSubscribers:N0} / {run.MeanSubscribers:N0} / {run.MaxSubscribers:N0}"),
            Info("events published, one a second", run.Events.ToString("N0", CultureInfo.InvariantCulture)),
            Target("stayers that missed an event", $"{run.Check.Missed:N0} of {shape.Stayers:N0} ({run.Check.Missing:N0} events missing)", "0", run.Check.Missed == 0),
            Target("stayers that got an event twice", $"{run.Check.Duplicated:N0} of {shape.Stayers:N0} ({run.Check.Duplicates:N0} duplicates)", "0", run.Check.Duplicated == 0),
            Target("server subscriber count at the end", $"{left:N0} ({emptied.TotalSeconds:0.0} s after the churners stopped)", "0", left == 0),
            Target("managed heap after compacting GCs, start / end", $"{Mb(start.Heap)} / {Mb(end.Heap)} ({Change(end.Heap, start.Heap)})", "end within 10% of start", end.Heap <= start.Heap * (1 + Tolerance)),
            Info("of the heap, pinned (POH: Kestrel's memory pool), start / end", $"{Mb(start.Pinned)} / {Mb(end.Pinned)} ({Change(end.Pinned, start.Pinned)})"),
            Info("of the heap, the rest (small and large objects), start / end", $"{Mb(start.Heap - start.Pinned)} / {Mb(end.Heap - end.Pinned)} ({Change(end.Heap - end.Pinned, start.Heap - start.Pinned)}; LOH {Mb(start.Large)} / {Mb(end.Large)})"),
            Info("managed heap the moment the count reached 0 (the extra threads still alive)", $"{Mb(emptyAt.Heap)} (POH {Mb(emptyAt.Pinned)}), {emptyAt.Threads} threads"),
            Info("process RSS, start / end", $"{Mb(start.Rss)} / {Mb(end.Rss)} ({Change(end.Rss, start.Rss)})"),
            Target(
                "threads, start / end",
                $"{start.Threads} / {threads} ({emptyAt.Threads} when the count reached 0, {threads} {returned.TotalSeconds:0} s later; fresh server {fresh}, peak during churn {run.PeakThreads})",
                "end within 10% of start",
                threads <= start.Threads * (1 + Tolerance)),
            Info("server CPU during churn", $"{run.ServerCpu / run.Window * 100:0}% of a core, {run.ServerCpu.TotalMilliseconds / Math.Max(1, (run.Counts.Connects + run.Counts.Leaves) / 1000.0):0.0} ms per 1,000 connects + leaves"),
            Info("client processes' CPU during churn (same 2 cores)", $"{run.ClientCpu / run.Window * 100:0}% of a core"),
        };

        var table = new StringBuilder();
        table.AppendLine("| figure | value | target | met |");
        table.AppendLine("|---|---|---|---|");
        foreach (var row in rows)
        {
            table.AppendLine($"| {row.Figure} | {row.Ours} | {row.Target} | {row.Met switch { true => "yes", false => "**no**", null => "-" }} |");
        }

        return (rows, table.ToString());
    }

    /// <summary>This process's thread count (<c>/proc/self/status</c>, or <see cref="Process.Threads"/> elsewhere).</summary>
    public static int Threads()
    {
        if (File.Exists("/proc/self/status"))
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }

        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    // --hold: time to take a heap dump (dotnet-gcdump) of the server at the start and at the end.
    private static async Task HoldAsync(E2EOptions options, string moment)
    {
        if (options.Hold > TimeSpan.Zero)
        {
            Console.WriteLine($"  churn holding {options.Hold.TotalSeconds:0} s at the {moment} for a heap dump of process {Environment.ProcessId}");
            await Task.Delay(options.Hold);
        }
    }

    // TcpExtListenOverflows of /proc/net/netstat: connects the kernel turned away because a listen queue
    // (Kestrel's backlog) was full; the client retries them after 1 s, 3 s, ...
    private static long ListenOverflows()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/net/netstat").Where(l => l.StartsWith("TcpExt:", StringComparison.Ordinal)).ToArray();
            var index = Array.IndexOf(lines[0].Split(' '), "ListenOverflows");
            return index < 0 ? -1 : long.Parse(lines[1].Split(' ')[index], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static Task<bool> WaitEmptyAsync(IServiceProvider services) =>
        ServerSideProbe.WaitUntilAsync(() => FanoutSides.Ours.Subscribers(services) == 0, TimeSpan.FromSeconds(60));

    private static void Print(string phase, ChurnFigures f) => Console.WriteLine(
        $"  churn {phase}: {f.Window.TotalSeconds:0.0} s, {Rate(f.Counts.Connects, f.Window)} connects, {Rate(f.Counts.Leaves, f.Window)} leaves ({Rate(f.Steady.Connects, f.SteadyWindow)} and {Rate(f.Steady.Leaves, f.SteadyWindow)} after the ramp), {f.Counts.Failures} failed, {f.Counts.Unanswered} FINs unanswered; " +
        $"server counted {f.MinSubscribers:N0}..{f.MaxSubscribers:N0}; {f.Events} events, stayers missed {f.Check.Missed} ({f.Check.Missing} events), doubled {f.Check.Duplicated}; " +
        $"server CPU {f.ServerCpu / f.Window * 100:0}%, clients {f.ClientCpu / f.Window * 100:0}%, peak threads {f.PeakThreads}");

    private static string Rate(long count, TimeSpan window) => $"{count / window.TotalSeconds:N0} /s";

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0.0} MB";

    private static string Change(long end, long start) => $"{((double)end / start) - 1:+0.0%;-0.0%}";

    private static E2EResult Info(string figure, string value) => new(figure, value, "-", "-", "-", "-", null);

    private static E2EResult Target(string figure, string value, string target, bool met) => new(figure, value, "-", "-", "-", target, met);

    /// <summary>The server with no subscriber: managed heap after compacting collections, RSS, threads.</summary>
    private sealed record Snapshot(long Heap, long Pinned, long Large, long Rss, int Threads)
    {
        public static Snapshot Take()
        {
            var (heap, rss) = ScaleMeasurement.Memory();

            // The generations after the last (compacting) collection: 3 is the LOH, 4 the POH.
            var generations = GC.GetGCMemoryInfo(GCKind.Any).GenerationInfo;
            return new Snapshot(heap, generations[4].SizeAfterBytes, generations[3].SizeAfterBytes, rss, ChurnScenario.Threads());
        }

        public override string ToString() => $"heap {Mb(Heap)} (POH {Mb(Pinned)}, LOH {Mb(Large)}), RSS {Mb(Rss)}, {Threads} threads";
    }
}
