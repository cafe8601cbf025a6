using System.Diagnostics;
using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Time from sending the request to receiving the response headers, for a source whose first event comes
/// after a delay: what an EventSource waits before <c>onopen</c>, and what a proxy waits before it sees a live response.
/// </summary>
internal static class TimeToFirstByteScenario
{
    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EServer server, HttpClient client, E2EOptions options)
    {
        var delayMs = (int)options.FirstEventDelay.TotalMilliseconds;
        await MeasureAsync(server, client, "ours/delayed", delayMs);
        await MeasureAsync(server, client, "builtin/delayed", delayMs);

        var ours = new List<double>();
        var builtin = new List<double>();
        for (var i = 0; i < options.TtfbSamples; i++)
        {
            ours.Add(await MeasureAsync(server, client, "ours/delayed", delayMs));
            builtin.Add(await MeasureAsync(server, client, "builtin/delayed", delayMs));
        }

        var o = ours.Order().ElementAt(ours.Count / 2);
        var b = builtin.Order().ElementAt(builtin.Count / 2);
        return
        [
            new E2EResult(
                $"time to headers, first event at {delayMs} ms (median of {options.TtfbSamples})",
                Ms(o),
                Ms(b),
                "-",
                $"{o / b:0.000}x built-in",
                "a few ms (< 5 ms)",
                o < 5),
        ];
    }

    private static async Task<double> MeasureAsync(E2EServer server, HttpClient client, string path, int delayMs)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(new Uri(server.BaseAddress, $"{path}?delayMs={delayMs}"), HttpCompletionOption.ResponseHeadersRead);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        response.EnsureSuccessStatusCode();

        // Read to the end, so the connection is reusable and the next sample measures headers only.
        await response.Content.CopyToAsync(Stream.Null);
        return elapsed;
    }

    private static string Ms(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
