using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Benchmarks.Channels;

/// <summary>
/// Measures the managed memory the in-memory hub holds: many per-user channels with one event each, one
/// channel with its full history, and idle subscribers (the hub's part only; the HTTP stream is measured by the
/// e2e idle-streams run). Figures are <see cref="GC.GetTotalMemory(bool)"/> differences after full collections,
/// so they count everything reachable from the hub: channel objects, dictionary entries, frames, ids, bytes.
/// </summary>
/// <remarks><c>dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- channels-memory</c></remarks>
internal static class ChannelMemoryMeasurement
{
    public const string Verb = "channels-memory";

    // A typical per-user notification: {"unread":3,"last":"Invoice 2041 paid"} is 40 bytes of JSON.
    private const string SmallJson = "{\"unread\":3,\"last\":\"Invoice 2041 paid\"}";

    public static async Task<int> RunAsync()
    {
        Console.WriteLine("# Channel memory (managed heap, after full collections)");
        Console.WriteLine();
        Console.WriteLine($"- command: `dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- {Verb}`");
        Console.WriteLine($"- {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, workstation GC");
        Console.WriteLine();
        Console.WriteLine("| case | total | per item |");
        Console.WriteLine("|---|---:|---:|");

        await MeasureAsync("100,000 per-user channels, one 40-byte JSON event each", 100_000, async hub =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                await hub.PublishAsync("user:" + i.ToString(CultureInfo.InvariantCulture), SseEvent.FromData(SmallJson).WithEvent("notification"));
            }
        });

        foreach (var size in new[] { 40, 1024 })
        {
            var payload = size == 40 ? SmallJson : new string('x', size);
            await MeasureAsync($"one channel, full history (1,000 events of {size} bytes)", 1000, async hub =>
            {
                for (var i = 0; i < 5000; i++)
                {
                    await hub.PublishAsync("board", SseEvent.FromData(payload).WithEvent("update"));
                }
            });
        }

        var subscribers = new List<SseSubscriber>();
        await MeasureAsync("10,000 idle subscribers of one channel (hub side only)", 10_000, hub =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                subscribers.Add(hub.Subscribe("room", null, static () => { }));
            }

            return Task.CompletedTask;
        });
        GC.KeepAlive(subscribers);
        Console.WriteLine();
        return 0;
    }

    private static async Task MeasureAsync(string label, int items, Func<InMemorySseHub, Task> fill)
    {
        var before = Collect();
        using var hub = Create();
        await fill(hub);
        var after = Collect();
        GC.KeepAlive(hub);
        var total = after - before;
        Console.WriteLine($"| {label} | {total / 1024.0 / 1024.0:F1} MB | {total / (double)items:F0} B |");
    }

    private static long Collect()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>An in-memory hub on the real encoder and the system clock, its channel options as given.</summary>
    internal static InMemorySseHub Create(Action<SseChannelOptions>? configure = null)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var options = new TakoSseOptions();
        configure?.Invoke(options.Channels);
        return new InMemorySseHub(
            new SseEncoder(Options.Create(options)),
            options.Channels,
            TimeProvider.System,
            new SseChannelMetrics(meters),
            NullLogger.Instance,
            new SseEventIds());
    }
}
