using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// A stream of several channels behaves as a stream of one: headers, keep-alive, metrics, the client leaving,
/// the write timeout and shutdown, and it leaves every one of its channels when it ends.
/// </summary>
public sealed class ChannelMultiStreamTests
{
    [Fact]
    public async Task Subscribe_SilentChannels_TheUsualHeadersThenKeepAlive()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ChannelsApp.StartAsync(c => c.HistoryMaxAge = null, time, options: o => o.KeepAlive = TimeSpan.FromSeconds(10));
        using var response = await app.Client.OpenAsync(ChannelsApp.Many("q1", "q2"));
        await using var raw = await RawEventStream.OpenAsync(response);

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        (await raw.ReadThroughAsync("\n\n")).Should().StartWith("id: t1");
        await time.WaitForArmingsAsync(1);
        time.Advance(TimeSpan.FromSeconds(10));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");
    }

    [Fact]
    public async Task Publish_ToSeveralChannelsOfOneStream_CountedOncePerDeliveryAndTheStreamInEveryChannel()
    {
        await using var app = await ChannelsApp.StartAsync();
        using var delivered = app.Metric("tako.sse.channel.delivered");
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        await using var stream = await app.SubscribeAsync(ChannelsApp.Many("m1", "m2", "m3"));
        subscribers.Sum().Should().Be(3, "the gauge counts the stream once in each of its channels");

        await app.PublishAsync("m1", 2);
        await app.PublishAsync("m3", 1);
        await stream.NextAsync(3);

        await Poll.UntilAsync(() => delivered.Sum() == 3, "three deliveries, the opening position not among them");
    }

    [Fact]
    public async Task Subscribe_ClientLeaves_TheStreamLeavesEveryChannelAndEmptyOnesAreRemoved()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.HistorySize = 0);
        var stream = await app.SubscribeAsync(ChannelsApp.Many("l1", "l2", "l3"));
        app.Hub().GetSubscriberCount("l2").Should().Be(1);

        await stream.DisposeAsync();

        await Poll.UntilAsync(() => new[] { "l1", "l2", "l3" }.All(c => app.Hub().GetSubscriberCount(c) == 0), "the stream to leave every channel");
        await Poll.UntilAsync(() => ((InMemorySseHub)app.Hub()).ChannelCount == 0, "the channels, empty now, to be removed");
    }

    [Fact]
    public async Task StopAsync_StreamsOfSeveralChannels_EndPromptlyAndLeaveEveryChannel()
    {
        await using var app = await ChannelsApp.StartAsync(services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2)));
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.Client.OpenAsync(ChannelsApp.Many("s1", "s2"))));
        var bodies = responses.Select(r => r.ReadAllAsync()).ToList();

        var stopwatch = Stopwatch.StartNew();
        await app.App.StopAsync();

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "not the shutdown timeout");
        (await Task.WhenAll(bodies)).Should().AllSatisfy(items => items.Should().BeEmpty());
        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("s1") == 0 && app.Hub().GetSubscriberCount("s2") == 0, "every stream to leave");
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task WriteTimeout_ReaderOfSeveralChannelsStopsReading_EndedAndLeavesEveryChannel()
    {
        var writeTimeout = TimeSpan.FromSeconds(5);
        var payload = new string('x', 64 * 1024);
        var time = new ObservableTimeProvider();
        await using var app = await ChannelWriteTimeoutTests.StartDeadReaderAppAsync(time, writeTimeout);
        using var timeouts = app.Metric("tako.sse.write_timeouts");
        using var dead = await RawSseClient.OpenAsync(app.BaseAddress, ChannelsApp.Many("w1", "w2"));
        var hub = app.Hub();

        await Poll.UntilAsync(
            () =>
            {
                if (hub.GetSubscriberCount("w1") == 0 && hub.GetSubscriberCount("w2") == 0)
                {
                    return true;
                }

                hub.PublishAsync("w1", SseEvent.FromData(payload)).IsCompletedSuccessfully.Should().BeTrue();
                time.Advance(writeTimeout);
                return false;
            },
            "the dead reader to be timed out and to leave both channels");
        timeouts.Sum().Should().Be(1);
    }
}
