using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Events per second from a producer that always has the next event ready, received by a client in this
/// process that counts frames without allocating. Rounds alternate ours, built-in, limit; medians reported.
/// </summary>
internal static class ThroughputScenario
{
    private const int ReadBufferSize = 64 * 1024;
    private const int WarmUpEvents = 2_000_000;

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EServer server, HttpClient client, E2EOptions options)
    {
        var results = new List<E2EResult> { await CheckSampleAsync(server, client) };

        var paths = options.Profile is { } profiled ? [profiled + "/burst"] : new[] { "ours/burst", "builtin/burst", "limit/burst" };
        if (options.Profile is not null)
        {
            await WarmUpAsync(server, client, paths);
            await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(30));
            for (var round = 0; round < options.Rounds; round++)
            {
                Console.WriteLine($"  {paths[0]}: {Rate((await MeasureAsync(server, client, paths[0], options.Events)).Rate)}");
            }

            return results;
        }

        var rates = paths.Select(_ => new List<double>()).ToArray();
        var allocations = paths.Select(_ => new List<double>()).ToArray();

        // Warm-up, so the figures are those of a server in its steady state. A stream's loop method is entered
        // only a few times per stream (it loops inside), and tiered compilation with dynamic PGO reaches its
        // final code for it only after some ten million events (measured: round after round of 2 M events
        // got faster until then). Many short streams, then five long ones per endpoint, then until the JIT
        // has nothing left to compile.
        await WarmUpAsync(server, client, paths);

        await ServerSideProbe.WaitForJitToSettleAsync(TimeSpan.FromSeconds(30));

        for (var round = 0; round < options.Rounds; round++)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                var (rate, allocatedPerEvent) = await MeasureAsync(server, client, paths[p], options.Events);
                rates[p].Add(rate);
                allocations[p].Add(allocatedPerEvent);
            }
        }

        var encoderAlone = MeasureEncoderAlone(server.Workload, options.Events);
        results.Add(new E2EResult(
            "our encoder alone, one thread, no I/O (events/s)",
            Rate(encoderAlone),
            "-",
            "-",
            $"{1e9 / encoderAlone:0} ns per event",
            "-",
            null));

        var ours = Median(rates[0]);
        var builtin = Median(rates[1]);
        var limit = Median(rates[2]);
        results.Add(new E2EResult(
            "throughput (events/s)",
            Rate(ours),
            Rate(builtin),
            Rate(limit),
            $"{ours / builtin:0.00}x built-in",
            ">= 3x built-in",
            ours >= 3 * builtin));
        results.Add(new E2EResult(
            "throughput vs limit",
            Rate(ours),
            Rate(builtin),
            Rate(limit),
            $"{ours / limit:0.00} of limit (built-in {builtin / limit:0.00})",
            ">= 0.5 of limit",
            ours >= 0.5 * limit));
        // Whole-process figures: the client's reads and Kestrel's per-write costs are in every column, and the
        // limit column has nothing else, so ours minus the limit is what the library adds per event.
        var oursAllocated = Median(allocations[0]);
        var limitAllocated = Median(allocations[2]);
        results.Add(new E2EResult(
            "allocated per event, whole process (server and client)",
            $"{oursAllocated:0.00} B",
            $"{Median(allocations[1]):0.00} B",
            $"{limitAllocated:0.00} B",
            $"ours - limit = {oursAllocated - limitAllocated:0.00} B",
            "no allocation per event on the write path (< 1 B over the limit)",
            oursAllocated - limitAllocated < 1));
        Console.WriteLine($"  throughput rounds (events/s): ours [{string.Join(", ", rates[0].Select(Rate))}]");
        Console.WriteLine($"                                built-in [{string.Join(", ", rates[1].Select(Rate))}]");
        Console.WriteLine($"                                limit [{string.Join(", ", rates[2].Select(Rate))}]");
        return results;
    }

    private static async Task WarmUpAsync(E2EServer server, HttpClient client, string[] paths)
    {
        foreach (var path in paths)
        {
            for (var warm = 0; warm < 200; warm++)
            {
                await MeasureAsync(server, client, path, 1_000);
            }

            for (var warm = 0; warm < 5; warm++)
            {
                await MeasureAsync(server, client, path, WarmUpEvents);
            }
        }
    }

    // What encoding alone costs this process: the same events through the shared encoder into a reused
    // 32 KB buffer, no response, no client. The server's share of every throughput figure above.
    private static double MeasureEncoderAlone(E2EWorkload workload, int count)
    {
        var encoder = new SseEncoder(Microsoft.Extensions.Options.Options.Create(new TakoSseOptions()));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        var events = workload.OursEvents;
        for (var warm = 0; warm < 3; warm++)
        {
            Encode(encoder, buffer, events, Math.Min(count, 500_000));
        }

        var started = Stopwatch.GetTimestamp();
        Encode(encoder, buffer, events, count);
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;

        static void Encode(SseEncoder encoder, System.Buffers.ArrayBufferWriter<byte> buffer, SseEvent[] events, int count)
        {
            for (var i = 0; i < count; i++)
            {
                encoder.Encode(events[i & (events.Length - 1)], buffer);
                if (buffer.WrittenCount >= 32 * 1024)
                {
                    buffer.ResetWrittenCount();
                }
            }
        }
    }

    private static async Task<(double Rate, double AllocatedPerEvent)> MeasureAsync(E2EServer server, HttpClient client, string path, int count)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var expected = path.StartsWith("limit", StringComparison.Ordinal) ? E2EServer.LimitFrames(server.Workload, count) : count;
        var buffer = new byte[ReadBufferSize];
        var counter = default(FrameCounter);
        var started = Stopwatch.GetTimestamp();
        using (var response = await client.GetAsync(new Uri(server.BaseAddress, $"{path}?count={count}"), HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                counter.Add(buffer.AsSpan(0, read));
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (counter.Frames != expected)
        {
            throw new InvalidOperationException($"{path}: counted {counter.Frames} frames, expected {expected}.");
        }

        return (expected / elapsed.TotalSeconds, (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / expected);
    }

    // The throughput figures only count frames; this parses a sample of each endpoint with SseParser once and
    // checks every field, so a fast but wrong stream cannot pass.
    private static async Task<E2EResult> CheckSampleAsync(E2EServer server, HttpClient client)
    {
        const int Sample = 10_000;
        foreach (var path in new[] { "ours/burst", "builtin/burst", "limit/burst" })
        {
            await using var stream = await client.GetStreamAsync(new Uri(server.BaseAddress, $"{path}?count={Sample}"));
            var limit = path.StartsWith("limit", StringComparison.Ordinal);
            var i = 0;
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                var index = i % (limit ? server.Workload.LimitBatchFrames : 4096);
                if (item.EventType != E2EWorkload.EventName || item.EventId != E2EWorkload.Id(index) || item.Data != E2EWorkload.Data(index))
                {
                    throw new InvalidOperationException($"{path}: event {i} is {item.EventType}/{item.EventId}/{item.Data}.");
                }

                i++;
            }

            var expected = limit ? E2EServer.LimitFrames(server.Workload, Sample) : Sample;
            if (i != expected)
            {
                throw new InvalidOperationException($"{path}: parsed {i} events, expected {expected}.");
            }
        }

        return new E2EResult("sample parsed with SseParser", $"{Sample:N0} ok", $"{Sample:N0} ok", "ok", "-", "identical events", true);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Rate(double perSecond) => (perSecond / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M";
}
