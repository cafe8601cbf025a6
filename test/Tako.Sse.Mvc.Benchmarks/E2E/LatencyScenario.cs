using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Publish-to-receive latency of a producer that emits one event per period: each event carries the
/// Stopwatch timestamp taken as it is yielded, and the client (same process, same clock) parses it on arrival.
/// Ours and the built-in stream run side by side, half a period apart.
/// </summary>
internal static class LatencyScenario
{
    // The first events pay for connection set-up and JIT; they are not part of the steady state.
    private const int Skipped = 10;

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EServer server, HttpClient client, E2EOptions options)
    {
        var periodMs = (int)options.Interval.TotalMilliseconds;
        await MeasureAsync(server, client, "ours/ticks", Skipped * 2, periodMs);
        await MeasureAsync(server, client, "builtin/ticks", Skipped * 2, periodMs);

        // Both streams run at the same time, so both see the same machine; the built-in one starts half a
        // period later, so their events do not fall due at the same instant.
        var oursRun = MeasureAsync(server, client, "ours/ticks", options.LatencyEvents, periodMs);
        await Task.Delay(options.Interval / 2);
        var builtinRun = MeasureAsync(server, client, "builtin/ticks", options.LatencyEvents, periodMs);
        var ours = await oursRun;
        var builtin = await builtinRun;

        return
        [
            Row("latency p50", 0.50, ours, builtin),
            Row("latency p99", 0.99, ours, builtin),
        ];
    }

    private static E2EResult Row(string figure, double quantile, double[] ours, double[] builtin)
    {
        var o = Quantile(ours, quantile);
        var b = Quantile(builtin, quantile);

        // Below a tenth of a millisecond both are at the resolution of the scheduler; "no worse" then means
        // within that resolution.
        var met = o <= b * 1.05 || o - b <= 0.1;
        return new E2EResult(figure, Ms(o), Ms(b), "-", $"{o / b:0.00}x built-in", "<= built-in (within 5% or 0.1 ms)", met);
    }

    private static async Task<double[]> MeasureAsync(E2EServer server, HttpClient client, string path, int count, int periodMs)
    {
        var latencies = new List<double>(count);
        await using var stream = await client.GetStreamAsync(new Uri(server.BaseAddress, $"{path}?count={count}&periodMs={periodMs}"));
        var i = 0;
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            var received = Stopwatch.GetTimestamp();
            var published = long.Parse(item.Data, CultureInfo.InvariantCulture);
            if (i++ >= Skipped || count <= Skipped)
            {
                latencies.Add(Stopwatch.GetElapsedTime(published, received).TotalMilliseconds);
            }
        }

        if (i != count)
        {
            throw new InvalidOperationException($"{path}: received {i} events, expected {count}.");
        }

        return [.. latencies.Order()];
    }

    private static double Quantile(double[] sorted, double quantile) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}
