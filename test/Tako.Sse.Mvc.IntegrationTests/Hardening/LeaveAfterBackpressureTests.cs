using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>
/// Clients read a fast stream, stop reading until the socket buffers are full (or keep reading), then leave
/// with a FIN or a RST. Over HTTP/1.1, once the client is gone Kestrel completes every write at once without
/// saying so, and only RequestAborted (cancelled from a thread-pool work item) told the loop to stop: the
/// last test takes that token away, as a starved thread pool does, and the stream must still end.
/// </summary>
public class LeaveAfterBackpressureTests
{
    private const int Clients = 10;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SseActionResult_ClientsLeaveAfterBackpressureWithFinOrRst_EveryStreamEndsAndTheServerIsIdleAndAnswers(bool reset)
    {
        await using var flood = await Flood.StartAsync(receiveBufferSize: 4096);
        var (app, active, clients) = flood;
        await app.Probe().WaitForAsync("flood.started", Clients);

        // The sources stop being asked for items once every write waits for a client that does not read.
        await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the streams to back up");
        app.Probe().Count("disposed").Should().Be(0);

        foreach (var client in clients)
        {
            client.Leave(reset);
        }

        await app.Probe().WaitForAsync("disposed", Clients);
        app.Probe().Count("cancelled").Should().Be(Clients, "every source's token fired");
        await Poll.UntilAsync(() => active.GetMeasurementSnapshot().Sum(m => m.Value) == 0, "the open-stream count to return to zero");

        // Idle: no loop is still producing, and a plain request on a new connection is answered.
        var items = app.Probe().Count("flood.item");
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        (await app.Client.GetStringAsync("/hardening/ping", timeout.Token)).Should().Be("pong");
        await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the sources to stay untouched");
        app.Probe().Count("flood.item").Should().Be(items);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SseActionResult_ClientsLeaveWhileReadingWithFinOrRst_EveryStreamEndsAndTheServerIsIdleAndAnswers(bool reset)
    {
        await using var flood = await Flood.StartAsync(receiveBufferSize: 256 * 1024);
        var (app, active, clients) = flood;
        foreach (var client in clients)
        {
            client.StartReading();
        }

        await app.Probe().WaitForAsync("flood.started", Clients);
        await app.Probe().WaitForAsync("flood.item", 200_000);
        foreach (var client in clients)
        {
            client.Leave(reset);
        }

        await app.Probe().WaitForAsync("disposed", Clients);
        await Poll.UntilAsync(() => active.GetMeasurementSnapshot().Sum(m => m.Value) == 0, "the open-stream count to return to zero");
        var items = app.Probe().Count("flood.item");
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        (await app.Client.GetStringAsync("/hardening/ping", timeout.Token)).Should().Be("pong");
        await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the sources to stay untouched");
        app.Probe().Count("flood.item").Should().Be(items);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task SseActionResult_ClientLeavesAndRequestAbortedNeverFires_StreamEndsOnWhatThePipeSays(bool reset, bool afterBackpressure)
    {
        // Kestrel cancels RequestAborted from a thread-pool work item, which enough spinning loops starve for
        // good. Here the token never fires at all: the loop must notice the client is gone on its own.
        await using var app = await ActionApp.StartAsync(pipeline: a => a.Use((context, next) =>
        {
            context.Features.Set<IHttpRequestLifetimeFeature>(new DeafLifetime(context.Features.Get<IHttpRequestLifetimeFeature>()!));
            return next(context);
        }));
        using var client = await RawSseClient.OpenAsync(app.BaseAddress, "/hardening/flood?size=1024", afterBackpressure ? 4096 : 256 * 1024);
        if (afterBackpressure)
        {
            await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the stream to back up");
        }
        else
        {
            client.StartReading();
            await app.Probe().WaitForAsync("flood.item", 20_000);
        }

        client.Leave(reset);

        await app.Probe().WaitForAsync("disposed");
        app.Probe().Count("cancelled").Should().Be(1, "the stream cancels its source's token itself");
        var items = app.Probe().Count("flood.item");
        await Poll.UntilStableAsync(() => app.Probe().Count("flood.item"), "the source to stay untouched");
        app.Probe().Count("flood.item").Should().Be(items);
    }

    // RequestAborted that never fires; everything else (Abort) goes to Kestrel's own feature.
    private sealed class DeafLifetime(IHttpRequestLifetimeFeature inner) : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted
        {
            get => CancellationToken.None;
            set => inner.RequestAborted = value;
        }

        public void Abort() => inner.Abort();
    }

    // The set-up of the first two tests: an app, its open-stream count, and its flood read by Clients raw clients.
    private sealed class Flood(TestApp app, MetricCollector<long> active, RawSseClient[] clients) : IAsyncDisposable
    {
        public static async Task<Flood> StartAsync(int receiveBufferSize)
        {
            var app = await ActionApp.StartAsync();
            var active = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), "Tako.Sse.Mvc", "tako.sse.active_streams");
            try
            {
                var clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => RawSseClient.OpenAsync(app.BaseAddress, "/hardening/flood?size=1024", receiveBufferSize)));
                return new Flood(app, active, clients);
            }
            catch
            {
                active.Dispose();
                await app.DisposeAsync();
                throw;
            }
        }

        public void Deconstruct(out TestApp host, out MetricCollector<long> openStreams, out RawSseClient[] readers) =>
            (host, openStreams, readers) = (app, active, clients);

        public async ValueTask DisposeAsync()
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            active.Dispose();
            await app.DisposeAsync();
        }
    }
}
