using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Server memory per open, silent stream: the settled managed heap of this process before and after a
/// child process opens N streams whose sources await until the client leaves. Each side gets a fresh
/// server (and so a fresh Kestrel memory pool), warmed up with a few streams before the baseline.
/// </summary>
internal static class IdleStreamsScenario
{
    private const int WarmUpStreams = 50;

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        var builtin = await MeasureAsync("builtin/silent", options.Streams);
        var ours = await MeasureAsync("ours/silent", options.Streams);
        return
        [
            new E2EResult(
                $"server memory per idle stream ({options.Streams:N0} streams, ours with 15 s keep-alive)",
                Kb(ours),
                Kb(builtin),
                "-",
                $"{ours / builtin:0.00}x built-in",
                "<= 1.1x built-in",
                ours <= 1.1 * builtin),
        ];
    }

    private static async Task<double> MeasureAsync(string path, int streams)
    {
        await using var server = await E2EServer.StartAsync(TimeSpan.FromSeconds(15));
        var url = new Uri(server.BaseAddress, path);
        await OpenAndCloseAsync(server, url, WarmUpStreams, measure: false);
        return await OpenAndCloseAsync(server, url, streams, measure: true) / streams;
    }

    private static async Task<double> OpenAndCloseAsync(E2EServer server, Uri url, int streams, bool measure)
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
            return measure ? ServerSideProbe.SettledHeapBytes() - before : 0;
        }
        finally
        {
            await E2EClientProcess.StopAsync(client);
            await ServerSideProbe.WaitUntilAsync(() => server.Workload.OpenSources == 0, TimeSpan.FromSeconds(60));
        }
    }

    private static string Kb(double bytes) => (bytes / 1024).ToString("0.00", CultureInfo.InvariantCulture) + " KB";
}
