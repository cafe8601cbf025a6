using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>
/// Clients read a fast stream, stop reading until the socket buffers are full, then leave. Over HTTP/1.1,
/// Kestrel then completes every write at once without saying the client is gone: the loop must still end.
/// </summary>
public class LeaveAfterBackpressureTests
{
    private const int Clients = 10;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SseActionResult_ClientsLeaveAfterBackpressureWithFinOrRst_EveryStreamEndsAndTheServerIsIdleAndAnswers(bool reset)
    {
        await using var app = await ActionApp.StartAsync();
        using var active = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), "Tako.Sse.Mvc", "tako.sse.active_streams");
        var clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => RawSseClient.OpenAsync(app.BaseAddress, "/hardening/flood?size=1024")));
        try
        {
            await app.Probe().WaitForAsync("flood.started", Clients);

            // The sources stop being asked for items once every write waits for a client that does not read.
            await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the streams to back up");
            app.Probe().Count("disposed").Should().Be(0);

            foreach (var client in clients)
            {
                if (reset)
                {
                    client.Reset();
                }
                else
                {
                    client.SendFin();
                }
            }

            await app.Probe().WaitForAsync("disposed", Clients);
            app.Probe().Count("cancelled").Should().Be(Clients, "every source's token fired");
            await Poll.UntilAsync(() => active.GetMeasurementSnapshot().Sum(m => m.Value) == 0, "the open-stream count to return to zero");

            // Idle: no loop is still producing, and a plain request on a new connection is answered.
            var items = app.Probe().Count("flood.item");
            using var timeout = new CancellationTokenSource(SseReader.Deadline);
            (await app.Client.GetStringAsync("/hardening/ping", timeout.Token)).Should().Be("pong");
            await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the sources to stay untouched");
            app.Probe().Count("flood.item").Should().Be(items);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SseActionResult_ClientsLeaveWhileReadingWithFinOrRst_EveryStreamEndsAndTheServerIsIdleAndAnswers(bool reset)
    {
        await using var app = await ActionApp.StartAsync();
        using var active = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), "Tako.Sse.Mvc", "tako.sse.active_streams");
        var clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => RawSseClient.OpenAsync(app.BaseAddress, "/hardening/flood?size=1024", 256 * 1024)));
        try
        {
            foreach (var client in clients)
            {
                client.StartReading();
            }

            await app.Probe().WaitForAsync("flood.started", Clients);
            await app.Probe().WaitForAsync("flood.item", 200_000);
            foreach (var client in clients)
            {
                if (reset)
                {
                    client.Reset();
                }
                else
                {
                    client.SendFin();
                }
            }

            await app.Probe().WaitForAsync("disposed", Clients);
            await Poll.UntilAsync(() => active.GetMeasurementSnapshot().Sum(m => m.Value) == 0, "the open-stream count to return to zero");
            var items = app.Probe().Count("flood.item");
            using var timeout = new CancellationTokenSource(SseReader.Deadline);
            (await app.Client.GetStringAsync("/hardening/ping", timeout.Token)).Should().Be("pong");
            await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the sources to stay untouched");
            app.Probe().Count("flood.item").Should().Be(items);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
