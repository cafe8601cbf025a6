using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// A subscriber whose client stops reading, with Kestrel's MinResponseDataRate off and a queue too large for the
/// slow-subscriber policy to act: only WriteTimeout ends it. The timeout runs on the app's fake clock.
/// </summary>
public class ChannelWriteTimeoutTests
{
    private static readonly TimeSpan s_writeTimeout = TimeSpan.FromSeconds(5);
    private static readonly string s_payload = new('x', 64 * 1024);

    [Fact]
    public async Task WriteTimeout_SubscriberStopsReading_EndedLeavesTheChannelAndResumesFromHistory()
    {
        var time = new ObservableTimeProvider();
        await using var app = await StartDeadReaderAppAsync(time, s_writeTimeout);
        using var timeouts = app.Metric("tako.sse.write_timeouts");
        using var slowDisconnected = app.Metric("tako.sse.channel.slow_disconnected");
        var hub = app.Hub();
        var before = await hub.PublishAsync("dead", SseEvent.FromData("before"));
        using var dead = await RawSseClient.OpenAsync(app.BaseAddress, "/channels/cursor/dead?lastEventId=" + Uri.EscapeDataString(before));
        hub.GetSubscriberCount("dead").Should().Be(1);

        // The client reads nothing more. Publishing fills its socket, then Kestrel's buffer, then the write
        // waits; the clock moves a timeout at a time until the stream gives up and the subscriber leaves.
        var published = new List<string>();
        await Poll.UntilAsync(
            () =>
            {
                if (hub.GetSubscriberCount("dead") == 0)
                {
                    return true;
                }

                var publish = hub.PublishAsync("dead", SseEvent.FromData(s_payload));
                publish.IsCompletedSuccessfully.Should().BeTrue("the in-memory hub publishes without waiting");
                published.Add(publish.Result);
                time.Advance(s_writeTimeout);
                return false;
            },
            "the dead reader to be timed out and to leave the channel");

        (await dead.ServerClosedAsync()).Should().BeTrue("the connection is aborted");
        await Poll.UntilAsync(() => timeouts.Sum() == 1, "one write timeout to be counted");
        slowDisconnected.Sum().Should().Be(0, "the write timeout ended it, not the queue bound");
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Name == "SseWriteTimedOut" && r.Level == LogLevel.Debug);

        // The browser comes back with the last id it had: the history has everything since.
        await using var back = await app.SubscribeAsync("/channels/open/dead", lastEventId: before);
        var after = await hub.PublishAsync("dead", SseEvent.FromData("after"));
        (await back.NextAsync(published.Count + 1)).Select(e => e.EventId).Should().Equal([.. published, after]);
    }

    /// <summary>
    /// The app for a dead reader: Kestrel's MinResponseDataRate off, a queue too large for the slow-subscriber
    /// policy to act and no keep-alive, so only <paramref name="writeTimeout"/>, on <paramref name="time"/>, ends it.
    /// </summary>
    internal static Task<Infrastructure.TestApp> StartDeadReaderAppAsync(ObservableTimeProvider time, TimeSpan writeTimeout) =>
        ChannelsApp.StartAsync(
            c =>
            {
                c.HistorySize = 10_000;
                c.HistoryMaxAge = null;
                c.SubscriberQueueSize = 100_000;
            },
            time,
            services: s => s.Configure<KestrelServerOptions>(k => k.Limits.MinResponseDataRate = null),
            options: o =>
            {
                o.WriteTimeout = writeTimeout;
                o.KeepAlive = null;
            });
}
