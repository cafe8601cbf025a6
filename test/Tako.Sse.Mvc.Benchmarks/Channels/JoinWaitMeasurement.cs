using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tako.Sse.Mvc.Benchmarks.Channels;

/// <summary>
/// How long a subscriber waits to join a channel while a publisher fans events out to N subscribers of it, and
/// how long each publish call takes: the in-memory hub alone, no HTTP (the subscribers are the hub's own, with
/// a small DropOldest queue nobody reads, so every delivery costs the same). One publisher publishes flat out;
/// first alone, then beside a joiner that subscribes and leaves again about once a millisecond, timing each
/// subscribe.
/// </summary>
/// <remarks><c>dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- join-wait [seconds]</c></remarks>
internal static class JoinWaitMeasurement
{
    public const string Verb = "join-wait";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        Console.WriteLine("# Joining a channel during a fan-out (in-memory hub, no HTTP)");
        Console.WriteLine();
        Console.WriteLine($"- command: `dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- {Verb} {seconds}`");
        Console.WriteLine($"- {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores; {seconds} s per N");
        Console.WriteLine();
        Console.WriteLine("| subscribers | publishes/s alone | publish call p50 / p99, with the joiner | joins | join p50 / p99 / max |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var n in new[] { 5_000, 19_000 })
        {
            await MeasureAsync(n, TimeSpan.FromSeconds(seconds));
        }

        Console.WriteLine();
        return 0;
    }

    private static async Task MeasureAsync(int n, TimeSpan window)
    {
        using var hub = ChannelMemoryMeasurement.Create(static o =>
        {
            o.SubscriberQueueSize = 16;
            o.SlowSubscriberPolicy = SseSlowSubscriberPolicy.DropOldest;
        });
        var subscribers = Enumerable.Range(0, n).Select(_ => hub.Subscribe("room", null, static () => { })).ToList();

        // First the publisher alone: what a fan-out costs.
        var alone = await PublishAsync(hub, window, joins: null);

        // Then with a joiner that subscribes and leaves about once a millisecond, timing each subscribe.
        var joins = new List<double>();
        var together = await PublishAsync(hub, window, joins);
        foreach (var subscriber in subscribers)
        {
            await subscriber.DisposeAsync();
        }

        joins.Sort();
        together.Sort();
        Console.WriteLine(
            $"| {n:N0} | {alone.Count / window.TotalSeconds:N0} ({window.TotalMilliseconds * 1e6 / alone.Count / n:F0} ns per delivery) | {Quantile(together, 0.5):F3} / {Quantile(together, 0.99):F3} ms " +
            $"| {joins.Count:N0} | {Quantile(joins, 0.5):F3} / {Quantile(joins, 0.99):F3} / {joins[^1]:F3} ms |");
    }

    // Publishes flat out for the window; returns each publish call's duration in ms.
    private static async Task<List<double>> PublishAsync(InMemorySseHub hub, TimeSpan window, List<double>? joins)
    {
        using var stop = new CancellationTokenSource(window);
        var publishes = new List<double>();
        var publisher = Task.Run(async () =>
        {
            var data = SseEvent.FromData("{\"seq\":1}");
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await hub.PublishAsync("room", data);
                publishes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        var joiner = joins is null ? Task.CompletedTask : Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var subscriber = hub.Subscribe("room", null, static () => { });
                joins.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await subscriber.DisposeAsync();
                Thread.Sleep(1);
            }
        });
        await Task.WhenAll(publisher, joiner);
        return publishes;
    }

    private static double Quantile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, q * sorted.Count)];
}
