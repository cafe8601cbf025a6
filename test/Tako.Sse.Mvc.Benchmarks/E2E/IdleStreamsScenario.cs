using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Server memory per open, silent stream: the settled managed heap of this process before and after a
/// child process opens N streams whose sources await until the client leaves. Each side gets a fresh
/// server (and so a fresh Kestrel memory pool), warmed up before the baseline. Both sides are measured
/// through MVC controllers and again through minimal APIs.
/// </summary>
internal static class IdleStreamsScenario
{
    private const int WarmUpStreams = 50;

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        var builtin = await MeasureAsync("builtin/silent", options.Streams, options.Hold);
        var ours = await MeasureAsync("ours/silent", options.Streams, options.Hold);
        var builtinMinimal = await MeasureAsync("minimal/builtin/silent", options.Streams, options.Hold);
        var oursMinimal = await MeasureAsync("minimal/ours/silent", options.Streams, options.Hold);
        return
        [
            Row($"server memory per idle stream, MVC controllers ({options.Streams:N0} streams, ours with 15 s keep-alive)", ours, builtin),
            Row("server memory per idle stream, minimal APIs (same)", oursMinimal, builtinMinimal),
        ];
    }

    private static E2EResult Row(string figure, double ours, double builtin) =>
        new(figure, Kb(ours), Kb(builtin), "-", $"{ours / builtin:0.00}x built-in", "<= 1.1x built-in", ours <= 1.1 * builtin);

    /// <summary>Server bytes per open stream of <paramref name="path"/>, on a fresh, warmed-up server.</summary>
    internal static async Task<double> MeasureAsync(string path, int streams, TimeSpan hold)
    {
        await using var server = await E2EServer.StartAsync(TimeSpan.FromSeconds(15));

        // Kestrel keeps the 4 KB blocks it used to send response headers in its pool: free, shared by every
        // connection, evicted over time. Our streams send headers at once and the built-in ones do not, so a
        // cold pool would charge those free blocks to us. Opening (and closing) as many header-sending streams
        // first brings the pool to its working size on both sides before the baseline.
        await OpenAndCloseAsync(server, new Uri(server.BaseAddress, "minimal/ours/silent"), streams, measure: false, TimeSpan.Zero);
        var url = new Uri(server.BaseAddress, path);
        await OpenAndCloseAsync(server, url, WarmUpStreams, measure: false, TimeSpan.Zero);
        return await OpenAndCloseAsync(server, url, streams, measure: true, hold) / streams;
    }

    private static async Task<double> OpenAndCloseAsync(E2EServer server, Uri url, int streams, bool measure, TimeSpan hold)
    {
        var before = measure ? ServerSideProbe.SettledHeapBytes() : 0;
        using var client = E2EClientProcess.Start(url, streams);
        try
        {
            if (!await E2EClientProcess.WaitOpenAsync(client, TimeSpan.FromSeconds(120))
                || !await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == streams, TimeSpan.FromSeconds(60)))
            {
                throw new InvalidOperationException($"{url}: only {server.Workload.OpenSources} of {streams} streams opened.");
            }

            // Let the last responses finish their first flush and idle wait.
            await Task.Delay(1_000);
            var delta = measure ? ServerSideProbe.SettledHeapBytes() - before : 0;
            if (hold > TimeSpan.Zero)
            {
                Console.WriteLine($"  {url}: {streams} streams held for {hold.TotalSeconds:0} s (pid {Environment.ProcessId})");
                await Task.Delay(hold);
            }

            return delta;
        }
        finally
        {
            await E2EClientProcess.StopAsync(client);
            await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == 0, TimeSpan.FromSeconds(60));
        }
    }

    private static string Kb(double bytes) => (bytes / 1024).ToString("0.00", CultureInfo.InvariantCulture) + " KB";
}
