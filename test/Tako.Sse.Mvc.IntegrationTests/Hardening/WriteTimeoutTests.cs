using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>
/// A client that never reads, with Kestrel's MinResponseDataRate turned off: only WriteTimeout ends it. The
/// timeout runs on the app's (fake) clock, so the test decides when it has passed.
/// </summary>
public class WriteTimeoutTests
{
    private static readonly TimeSpan s_writeTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task WriteTimeout_Http1ClientStopsReading_SourceCancelledAndDisposedConnectionClosedAndCounted()
    {
        var time = new ObservableTimeProvider();
        await using var app = await StartAsync(time, HttpProtocols.Http1);
        using var timeouts = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), "Tako.Sse.Mvc", "tako.sse.write_timeouts");
        using var client = await RawSseClient.OpenAsync(app.BaseAddress, "/hardening/flood?size=65536");

        await AdvanceUntilDisposedAsync(app, time);

        app.Probe().Count("cancelled").Should().Be(1);
        (await client.ServerClosedAsync()).Should().BeTrue("the connection is aborted");
        await Poll.UntilAsync(() => timeouts.GetMeasurementSnapshot().Sum(m => m.Value) == 1, "one write timeout to be counted");
        await app.Logs.WaitForAsync("SseWriteTimedOut");
        app.Logs.GetSnapshot().Single(r => r.Id.Name == "SseWriteTimedOut").Level.Should().Be(LogLevel.Debug);
    }

    [Fact]
    public async Task WriteTimeout_H2cClientStopsReading_SourceCancelledAndDisposedStreamResetAndCounted()
    {
        var time = new ObservableTimeProvider();
        await using var app = await StartAsync(time, HttpProtocols.Http2);
        using var timeouts = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), "Tako.Sse.Mvc", "tako.sse.write_timeouts");
        using var response = await app.Client.OpenAsync("/hardening/flood?size=65536");
        response.Version.Should().Be(System.Net.HttpVersion.Version20);

        // Nothing is read: the stream's flow-control window fills, then Kestrel's buffer, then our write waits.
        await AdvanceUntilDisposedAsync(app, time);

        app.Probe().Count("cancelled").Should().Be(1);
        await Poll.UntilAsync(() => timeouts.GetMeasurementSnapshot().Sum(m => m.Value) == 1, "one write timeout to be counted");

        // The endless body ends early: the stream was reset.
        var body = await response.Content.ReadAsStreamAsync();
        var read = async () =>
        {
            using var timeout = new CancellationTokenSource(Poll.Deadline);
            var buffer = new byte[64 * 1024];
            while (await body.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        };
        await read.Should().ThrowAsync<IOException>();
    }

    [Fact]
    public async Task WriteTimeout_ClientReadsSlowlyButSteadily_StreamLives()
    {
        var time = new ObservableTimeProvider();
        await using var app = await StartAsync(time, HttpProtocols.Http1);
        using var response = await app.Client.OpenAsync("/action/gated?ready=3");
        await using var events = await response.EventsAsync();

        // Writes that complete are never timed out, however far the clock moves between them.
        (await events.NextAsync()).Data.Should().Be("ready 1");
        time.Advance(s_writeTimeout * 10);
        (await events.NextAsync()).Data.Should().Be("ready 2");
        (await events.NextAsync()).Data.Should().Be("ready 3");
        app.Probe().Open("gate");
        (await events.NextAsync()).Data.Should().Be("after");
        app.Logs.GetSnapshot().Should().NotContain(r => r.Id.Name == "SseWriteTimedOut");
    }

    private static Task<TestApp> StartAsync(ObservableTimeProvider time, HttpProtocols protocols) =>
        ActionApp.StartAsync(
            o =>
            {
                o.WriteTimeout = s_writeTimeout;
                o.KeepAlive = null;
            },
            time,
            services: s => s.Configure<KestrelServerOptions>(k => k.Limits.MinResponseDataRate = null),
            protocols: protocols);

    // The write waits for a client that does not read; the clock moves a timeout at a time until the stream
    // gives up (the first moves may come before the write has started to wait).
    private static async Task AdvanceUntilDisposedAsync(TestApp app, ObservableTimeProvider time)
    {
        await app.Probe().WaitForAsync("flood.started");
        await Poll.UntilAsync(
            () =>
            {
                if (app.Probe().Count("disposed") > 0)
                {
                    return true;
                }

                time.Advance(s_writeTimeout);
                return false;
            },
            "the stream to time out its write");
    }
}
