using System.Diagnostics;
using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// What keep-alive costs the server: N silent streams with a short keep-alive period, measured over
/// windows after they reached their steady state (ours and the limit in alternating rounds). CPU time and allocations are this process's (the client
/// runs in a child process); keep-alive frames are counted by our meter. The built-in result sends nothing
/// on a silent stream; its line shows what merely holding the streams costs. The limit column is a bare
/// endpoint writing the same frame to every stream from one loop per period (<see cref="BareKeepAlive"/>).
/// </summary>
internal static class KeepAliveCostScenario
{
    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        // Ours and the limit alternate, each round swapping which goes first, and each side's figures are
        // over all its windows: the kernel's share of these figures drifted by up to 2x between runs on the
        // benchmark machine, and one window each made their ratio move with it.
        var oursWindows = new List<Measurement>();
        var limitWindows = new List<Measurement>();
        for (var round = 0; round < options.KeepAliveRounds; round++)
        {
            var order = round % 2 == 0 ? new[] { "ours/silent", "limit/silent" } : ["limit/silent", "ours/silent"];
            foreach (var path in order)
            {
                (path == "ours/silent" ? oursWindows : limitWindows).Add(await MeasureAsync(path, options));
            }

            var (o, l) = (oursWindows[^1], limitWindows[^1]);
            Console.WriteLine($"  keep-alive round {round + 1}: ours {o.CpuShare * 100:0.00}% ({o.UserShare * 100:0.00}% user), limit {l.CpuShare * 100:0.00}% ({l.UserShare * 100:0.00}% user): {o.CpuShare / l.CpuShare:0.00}x, user {o.UserShare / l.UserShare:0.00}x");
        }

        var builtin = await MeasureAsync("builtin/silent", options);
        var ours = Measurement.Combine(oursWindows);
        var limit = Measurement.Combine(limitWindows);
        var frame = $":keepalive\n\n".Length;
        var expectedTicks = options.Streams * (ours.Elapsed / options.KeepAlive);
        var perTick = ours.KeepAlives > 0 ? (double)ours.Allocated / ours.KeepAlives : double.NaN;
        var limitPerTick = (double)limit.Allocated / Math.Max(1, limit.KeepAlives);
        var window = $"{options.Streams:N0} streams, {options.KeepAlive.TotalSeconds:0.#} s keep-alive, {options.KeepAliveRounds} x {options.Duration.TotalSeconds:0} s";
        return
        [
            new E2EResult(
                $"keep-alive CPU ({window})",
                Percent(ours.CpuShare),
                Percent(builtin.CpuShare) + " (sends nothing)",
                Percent(limit.CpuShare),
                $"{ours.CpuShare * 100:0.00}% of one core ({ours.CpuShare / limit.CpuShare:0.00}x limit)",
                "< 5% of one core",
                ours.CpuShare < 0.05),
            new E2EResult(
                "of which user mode / kernel mode",
                $"{ours.UserShare * 100:0.00}% / {ours.KernelShare * 100:0.00}%",
                $"{builtin.UserShare * 100:0.00}% / {builtin.KernelShare * 100:0.00}%",
                $"{limit.UserShare * 100:0.00}% / {limit.KernelShare * 100:0.00}%",
                $"user {ours.UserShare / limit.UserShare:0.00}x limit, kernel {ours.KernelShare / limit.KernelShare:0.00}x limit",
                "-",
                null),
            new E2EResult(
                "keep-alive frames sent in the windows",
                $"{ours.KeepAlives:N0}",
                "0",
                $"{limit.KeepAlives:N0}",
                $"{ours.KeepAlives / expectedTicks:0.00} of streams x ticks",
                "one per stream per period",
                null),
            new E2EResult(
                "allocated per keep-alive (server)",
                $"{perTick:0.0} B",
                $"{builtin.Allocated:N0} B in total",
                $"{limitPerTick:0.0} B",
                $"{perTick / frame:0.00}x the {frame} B frame",
                "<= the frame itself (or <= the bare endpoint: Kestrel's own)",
                perTick <= frame || perTick <= limitPerTick),
        ];
    }

    private static async Task<Measurement> MeasureAsync(string path, E2EOptions options)
    {
        await using var server = await E2EServer.StartAsync(options.KeepAlive);
        var url = new Uri(server.BaseAddress, path);
        using var client = E2EClientProcess.Start(url, options.Streams);
        try
        {
            if (!await E2EClientProcess.WaitOpenAsync(client, TimeSpan.FromSeconds(120))
                || !await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == options.Streams, TimeSpan.FromSeconds(60)))
            {
                throw new InvalidOperationException($"{url}: only {server.Workload.OpenSources} of {options.Streams} streams opened.");
            }

            // Every stream has sent keep-alives and re-armed, and the JIT has finished tiering up the keep-alive
            // path (a fresh process compiles it during the first seconds), so the window is steady state.
            await Task.Delay(TimeSpan.FromTicks(Math.Max(options.KeepAlive.Ticks * 3, TimeSpan.FromSeconds(6).Ticks)));
            await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(30));
            using var counter = ServerSideProbe.MeterSum.KeepAlives();
            using var sampler = options.SampleAllocations ? new AllocationSampler() : null;
            var cpu = ServerSideProbe.Cpu();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var started = Stopwatch.GetTimestamp();
            await Task.Delay(options.Duration);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var cpuUsed = ServerSideProbe.Cpu() - cpu;
            var allocatedInWindow = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var keepAlives = path.StartsWith("limit", StringComparison.Ordinal)
                ? (long)(options.Streams * (elapsed / options.KeepAlive))
                : counter.Value;
            if (sampler is not null)
            {
                Console.WriteLine($"  {path}: allocations sampled in the window: {sampler.Top(3)}");
            }

            return new Measurement(cpuUsed.User, cpuUsed.Kernel, elapsed, allocatedInWindow, keepAlives);
        }
        finally
        {
            await E2EClientProcess.StopAsync(client);
            await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == 0, TimeSpan.FromSeconds(60));
        }
    }

    private static string Percent(double share) => (share * 100).ToString("0.00", CultureInfo.InvariantCulture) + "% of a core";

    private sealed record Measurement(TimeSpan User, TimeSpan Kernel, TimeSpan Elapsed, long Allocated, long KeepAlives)
    {
        public double CpuShare => (User + Kernel) / Elapsed;

        public double UserShare => User / Elapsed;

        public double KernelShare => Kernel / Elapsed;

        /// <summary>Several windows of one side as one: their times, allocations and frames added up.</summary>
        public static Measurement Combine(IReadOnlyList<Measurement> windows) =>
            new(
                TimeSpan.FromTicks(windows.Sum(w => w.User.Ticks)),
                TimeSpan.FromTicks(windows.Sum(w => w.Kernel.Ticks)),
                TimeSpan.FromTicks(windows.Sum(w => w.Elapsed.Ticks)),
                windows.Sum(w => w.Allocated),
                windows.Sum(w => w.KeepAlives));
    }
}
