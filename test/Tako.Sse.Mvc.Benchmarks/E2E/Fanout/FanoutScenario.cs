using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// One channel, N subscribers held by a child process, four servers side by side: ours
/// (<see cref="ISseHub.PublishAsync"/> and <see cref="SseActionResult.Subscribe(string, string?)"/>), the naive fan-out
/// (<see cref="NaiveFanout"/>), SignalR sending to a group, and the limit: pre-encoded frames from one shared
/// ring (<see cref="BareRingFanout"/>). For each: memory per subscriber; a warm-up;
/// small events at a fixed rate for latency; then windows of events published as fast as they are delivered:
/// one without, then rounds with and again without one more subscriber that never reads.
/// </summary>
internal static class FanoutScenario
{
    // Rounds of the stuck-subscriber comparison (each a window with it and one without, half the duration each).
    private const int StuckRounds = 3;

    // Long enough for tiered compilation of every side's delivery path, which takes longer on a loaded machine.
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(5);

    /// <summary>The first words of each row of the multi-channel table, which the runner prints apart.</summary>
    public const string MultiPrefix = "multi-channel: ";

    /// <summary>The first words of the line of a side that could not set up (the runner exits with 3).</summary>
    public const string SetupFailed = "set-up failed";

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        var n = options.FanoutSubscribers;
        Console.WriteLine("  fan-out: ours = ISseHub.PublishAsync + SseActionResult.Subscribe (MVC); naive = a Channel<SseItem<string>> per request + TypedResults.ServerSentEvents (MVC); SignalR = IHubContext.Clients.Group(...).SendAsync to HubConnections (Microsoft.AspNetCore.SignalR.Client) over WebSockets; bare = pre-encoded frames from one shared ring written to every response by a bare endpoint (the limit); subscribers in a child process");
        var idle = await IdleStreamsScenario.MeasureAsync("builtin/silent", n, TimeSpan.Zero);
        Console.WriteLine($"  idle built-in stream: {Kb(idle)} per stream");
        var sides = new Dictionary<string, SideFigures?>();
        var failures = new List<string>();
        var chosen = FanoutSides.All.Where(s => options.FanoutSides.Contains(s.Name.ToLowerInvariant())).ToList();
        foreach (var side in chosen)
        {
            // A side that cannot set up (or fails later) says why in its row; the other sides still run.
            try
            {
                sides[side.Name] = await RunSideAsync(side, options);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Console.WriteLine($"  {side.Name}: {SetupFailed}: {exception.Message}");
                sides[side.Name] = null;
                failures.Add($"{side.Name}: {exception.Message}");
            }
        }

        // The multi-channel side runs after the four, on a server of its own like each of them, and is compared
        // with ours (one channel per subscriber) from this same run.
        var multiRows = new List<E2EResult>();
        if (options.FanoutSides.Contains(FanoutSides.Multi.Name))
        {
            try
            {
                var multi = await RunSideAsync(FanoutSides.Multi, options);
                var cursor = await CursorBytesAsync();
                multiRows.AddRange(MultiRows(multi, sides.GetValueOrDefault("ours"), cursor, options));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Console.WriteLine($"  multi: {SetupFailed}: {exception.Message}");
                failures.Add($"multi: {exception.Message}");
            }
        }

        if (chosen.Count < FanoutSides.All.Count)
        {
            // A partial run, for profiling one side: its lines above are the result (and the multi-channel table
            // when ours and multi both ran).
            return [.. multiRows, .. failures.Select(f => new E2EResult($"{SetupFailed}: {f}", "-", "-", "-", "-", "-", false))];
        }

        var (ours, naive, signalR, bare) = (sides["ours"], sides["naive"], sides["SignalR"], sides["bare"]);
        var setup = $"{n:N0} subscribers, {options.FanoutDuration.TotalSeconds:0} s";
        var latencySetup = $"{options.FanoutLatencyEvents} events, one per {options.FanoutInterval.TotalMilliseconds:0} ms";
        var results = new List<E2EResult>
        {
            Row(
                $"delivered events/s, published as fast as delivered ({setup})",
                f => Rate(f.Rate),
                $"{Ratio(ours, naive, f => f.Rate)} naive, {Ratio(ours, signalR, f => f.Rate)} SignalR",
                ">= 3x naive and > SignalR",
                ours is null || naive is null || signalR is null ? false : ours.Rate >= 3 * naive.Rate && ours.Rate > signalR.Rate),
            Row(
                "delivered events/s against the bare ring (the limit)",
                f => Rate(f.Rate),
                $"{Ratio(ours, bare, f => f.Rate)} bare",
                ">= 0.8x bare",
                ours is null || bare is null ? false : ours.Rate >= 0.8 * bare.Rate),
            Row(
                "server CPU per 1,000 deliveries (user + kernel)",
                f => Ms(f.CpuPerThousand),
                $"{Ratio(ours, naive, f => f.CpuPerThousand)} naive, {Ratio(ours, signalR, f => f.CpuPerThousand)} SignalR, {Ratio(ours, bare, f => f.CpuPerThousand)} bare",
                "-",
                null),
            Row("client process CPU per 1,000 deliveries (shares the 2 cores)", f => Ms(f.ClientCpuPerThousand), "-", "-", null),
            Row(
                "frames per write to a response, flat out (deliveries / flushes that carry events)",
                f => f.FramesPerWrite is { } frames ? frames.ToString("0.0", CultureInfo.InvariantCulture) : "-",
                ours?.FramesPerWrite is { } o && bare?.FramesPerWrite is { } b ? $"{o / b:0.00}x bare" : "-",
                "-",
                null),
            Row(
                $"publish-to-last-subscriber latency p50 ({latencySetup})",
                f => Ms(f.P50),
                $"{Ratio(ours, naive, f => f.P50)} naive, {Ratio(ours, signalR, f => f.P50)} SignalR, {Ratio(ours, bare, f => f.P50)} bare",
                "-",
                null),
            Row(
                "publish-to-last-subscriber latency p99",
                f => Ms(f.P99),
                $"{Ratio(ours, naive, f => f.P99)} naive, {Ratio(ours, signalR, f => f.P99)} SignalR, {Ratio(ours, bare, f => f.P99)} bare",
                "-",
                null),
            Row(
                $"server memory per subscriber (idle built-in stream: {Kb(idle)})",
                f => Kb(f.Memory),
                ours is null ? "-" : $"{ours.Memory / idle:0.00}x idle built-in",
                "<= 1.2x idle built-in",
                ours is null ? false : ours.Memory <= 1.2 * idle),
            Row(
                "delivered events/s to the others with one stuck subscriber",
                Stuck,
                $"{Median(ours)} of ours without it, {Median(naive)} naive, {Median(signalR)} SignalR, {Median(bare)} bare (median of {StuckRounds} rounds)",
                ">= 0.90 (slowed < 10%)",
                ours is null ? false : ours.StuckRatio >= 0.9),
            Row("deliveries missing to the subscribers that read (one of them dropped)", f => f.Lost, "-", "-", null),
        };
        results.AddRange(multiRows);
        results.AddRange(failures.Select(f => new E2EResult($"{SetupFailed}: {f}", "-", "-", "-", "-", "-", false, "-")));
        return results;

        E2EResult Row(string figure, Func<SideFigures, string> value, string ratio, string target, bool? met) =>
            new(figure, Cell(ours, value), Cell(naive, value), Cell(signalR, value), ratio, target, met, Cell(bare, value));
    }

    // The rows of the multi-channel table (their figures start with MultiPrefix): multi in the first column,
    // ours (one channel) in the second.
    private static IEnumerable<E2EResult> MultiRows(SideFigures multi, SideFigures? ours, (int Multi, int Single) idBytes, E2EOptions options)
    {
        var setup = $"{options.FanoutSubscribers:N0} subscribers, {options.FanoutDuration.TotalSeconds:0} s, publishing to the shared channel";
        yield return new(
            $"{MultiPrefix}delivered events/s, published as fast as delivered ({setup})",
            Rate(multi.Rate),
            Cell(ours, f => Rate(f.Rate)),
            "-",
            $"{Ratio(multi, ours, f => f.Rate)} single-channel",
            ">= 0.8x single-channel",
            ours is null ? false : multi.Rate >= 0.8 * ours.Rate);
        yield return new(
            $"{MultiPrefix}server memory per subscriber",
            Kb(multi.Memory),
            Cell(ours, f => Kb(f.Memory)),
            "-",
            $"{Ratio(multi, ours, f => f.Memory)} single-channel",
            "<= 1.3x single-channel",
            ours is null ? false : multi.Memory <= 1.3 * ours.Memory);
        yield return new(
            $"{MultiPrefix}server CPU per 1,000 deliveries (the cursor's cost: {CursorCost(multi, ours)})",
            Ms(multi.CpuPerThousand),
            Cell(ours, f => Ms(f.CpuPerThousand)),
            "-",
            $"{Ratio(multi, ours, f => f.CpuPerThousand)} single-channel",
            "-",
            null);
        yield return new(
            $"{MultiPrefix}id: line of each delivered event",
            $"{idBytes.Multi} bytes",
            $"{idBytes.Single} bytes",
            "-",
            "-",
            "-",
            null);
        yield return new($"{MultiPrefix}publish-to-last-subscriber latency p50", Ms(multi.P50), Cell(ours, f => Ms(f.P50)), "-", $"{Ratio(multi, ours, f => f.P50)} single-channel", "-", null);
        yield return new($"{MultiPrefix}delivered events/s to the others with one stuck subscriber", Stuck(multi), Cell(ours, Stuck), "-", "-", ">= 0.90 (slowed < 10%)", multi.StuckRatio >= 0.9);
        yield return new($"{MultiPrefix}deliveries missing to the subscribers that read", multi.Lost, Cell(ours, f => f.Lost), "-", "-", "-", null);
    }

    private static string CursorCost(SideFigures multi, SideFigures? ours) => ours is null
        ? "-"
        : (multi.CpuPerThousand - ours.CpuPerThousand).ToString("0.00", CultureInfo.InvariantCulture) + " µs more per delivery";

    // The id: line of one event on a stream of 8 channels and on a stream of one, as the hub writes them.
    private static async Task<(int Multi, int Single)> CursorBytesAsync()
    {
        await using var server = await FanoutServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return (await IdLineAsync(server, client, FanoutSides.Multi.Path), await IdLineAsync(server, client, FanoutSides.Ours.Path));
    }

    private static async Task<int> IdLineAsync(FanoutServer server, HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        await ServerSideProbe.WaitUntilAsync(() => FanoutSides.Ours.Subscribers(server.Services) > 0, TimeSpan.FromSeconds(30));
        await FanoutSides.Ours.PublishAsync(server.Services, 1, CancellationToken.None);
        string? line;
        var ids = new List<string>();
        while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data:", StringComparison.Ordinal))
        {
            if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                ids.Add(line);
            }
        }

        // The last id line before the event's data is the event's (the first is the stream's opening position).
        return System.Text.Encoding.ASCII.GetByteCount(ids[^1]) + 1;
    }

    private static string Cell(SideFigures? side, Func<SideFigures, string> value) => side is null ? SetupFailed : value(side);

    private static string Ratio(SideFigures? a, SideFigures? b, Func<SideFigures, double> value) =>
        a is null || b is null ? "-" : (value(a) / value(b)).ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static string Median(SideFigures? side) => side is null ? "-" : side.StuckRatio.ToString("0.00", CultureInfo.InvariantCulture);

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
        // Half a minute, and more for many subscribers (about two minutes for 5,000 on a loaded machine).
        if (!await client.WaitOpenAsync(TimeSpan.FromSeconds(30 + (n / 50.0)))
            || !await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n, TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException($"{side.Subscribers(services):N0} of {n:N0} subscribers joined the server; {client.Describe()}");
        }

        await Task.Delay(500);
        var memory = (double)(ServerSideProbe.SettledHeapBytes() - before) / n;
        Console.WriteLine($"  {side.Name}: {n} subscribers, {Kb(memory)} each");

        var publisher = new FanoutPublisher(side, services, client, n);
        await publisher.FloodAsync(Min(s_warmUp, options.FanoutDuration / 2));
        await publisher.SettleAsync();
        await ServerSideProbe.WaitForJitToSettleAsync(Min(TimeSpan.FromSeconds(10), options.FanoutDuration * 2));
        var latencies = await publisher.TimeAsync(options.FanoutLatencyEvents, options.FanoutInterval);
        var settled = await publisher.SettleAsync();

        // The flat-out windows run back to back, so that the one stuck subscriber is all that differs.
        var flood = await publisher.FloodAsync(options.FanoutDuration);
        Console.WriteLine($"  {side.Name}: {flood}");
        settled &= await publisher.SettleAsync();

        // Rounds of a window with one stuck subscriber, then (once it has closed) one without; each round's
        // ratio is against the mean of the windows without it just before and just after, so that a drift of
        // the machine over the run cancels out, and the median round is reported.
        var ratios = new List<double>();
        var stuckRates = new List<double>();
        var previous = flood.Rate;
        for (var round = 0; round < StuckRounds; round++)
        {
            if (await client.CommandAsync("stuck", "stuck ok", TimeSpan.FromSeconds(30)) is null
                || !await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n + 1, TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException($"{side.Name}: the stuck subscriber did not join.");
            }

            var stuck = await publisher.FloodAsync(options.FanoutDuration / 2);
            Console.WriteLine($"  {side.Name} with a stuck subscriber: {stuck}; subscribers now {side.Subscribers(services)}");
            if (await client.CommandAsync("unstuck", "unstuck ok", TimeSpan.FromSeconds(30)) is null)
            {
                throw new InvalidOperationException($"{side.Name}: the stuck subscriber did not close.");
            }

            await ServerSideProbe.WaitUntilAsync(() => side.Subscribers(services) == n, TimeSpan.FromSeconds(30));
            var after = await publisher.FloodAsync(options.FanoutDuration / 2);
            Console.WriteLine($"  {side.Name} without it: {after}");
            stuckRates.Add(stuck.Rate);
            ratios.Add(stuck.Rate / ((previous + after.Rate) / 2));
            previous = after.Rate;
        }

        settled &= await publisher.SettleAsync();
        var median = ratios.Order().ElementAt(ratios.Count / 2);
        Console.WriteLine($"  {side.Name}: stuck-window ratios {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}");
        return new SideFigures(
            flood.Rate,
            flood.CpuPerThousand,
            flood.ClientCpuPerThousand,
            flood.FramesPerWrite,
            Quantile(latencies, 0.50),
            Quantile(latencies, 0.99),
            memory,
            stuckRates[ratios.IndexOf(median)],
            median,
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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture) + " /s";

    // The median round: its rate, and its share of the mean of the windows just before and just after it.
    private static string Stuck(SideFigures side) =>
        $"{Rate(side.StuckRate)} ({side.StuckRatio * 100:0}%)";

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    private static string Kb(double bytes) => (bytes / 1024).ToString("0.00", CultureInfo.InvariantCulture) + " KB";

    private sealed record SideFigures(
        double Rate, double CpuPerThousand, double ClientCpuPerThousand, double? FramesPerWrite, double P50, double P99, double Memory, double StuckRate, double StuckRatio, string Lost);
}
