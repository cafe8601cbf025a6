using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The Tako.Sse.Mvc meter, read with MetricCollector from the app's own IMeterFactory.</summary>
public class ActionMetricsTests
{
    [Fact]
    public async Task Metrics_StreamWithEventsAndKeepAlive_CountsStreamsEventsBytesAndKeepAlives()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ActionApp.StartAsync(o => o.KeepAlive = TimeSpan.FromSeconds(10), time);
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var active = new MetricCollector<long>(meters, "Tako.Sse.Mvc", "tako.sse.active_streams");
        using var events = new MetricCollector<long>(meters, "Tako.Sse.Mvc", "tako.sse.events_sent");
        using var bytes = new MetricCollector<long>(meters, "Tako.Sse.Mvc", "tako.sse.bytes_sent");
        using var keepAlives = new MetricCollector<long>(meters, "Tako.Sse.Mvc", "tako.sse.keepalives_sent");

        using var response = await app.Client.OpenAsync("/action/gated?ready=3");
        await using var raw = await RawEventStream.OpenAsync(response);
        var sent = await raw.ReadThroughAsync("data: ready 3\n\n");
        await time.WaitForArmingsAsync(1);
        Sum(active).Should().Be(1);
        Sum(events).Should().Be(3);
        Sum(bytes).Should().Be(sent.Length);

        time.Advance(TimeSpan.FromSeconds(10));
        sent += await raw.ReadThroughAsync(":keepalive\n\n");

        // The counter moves once the flush has returned, which the client may beat; the re-arming comes after it.
        await time.WaitForArmingsAsync(2);
        Sum(keepAlives).Should().Be(1);

        app.Probe().Open("gate");
        sent += await raw.ReadToEndAsync();
        await app.Probe().WaitForAsync("disposed");
        await Poll.UntilAsync(() => Sum(active) == 0, "the stream to count as ended");
        Sum(events).Should().Be(4);
        Sum(bytes).Should().Be(sent.Length, "every byte of the body is an ASCII frame we wrote");
        Sum(keepAlives).Should().Be(1);
    }

    private static long Sum(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().Sum(m => m.Value);
}
