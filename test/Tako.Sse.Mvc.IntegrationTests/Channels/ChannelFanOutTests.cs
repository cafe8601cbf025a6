using System.Buffers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

public class ChannelFanOutTests
{
    [Fact]
    public async Task Publish_To150Subscribers_EveryOneGetsEveryEventInOrderWithTheHubsIds()
    {
        await using var app = await ChannelsApp.StartAsync();
        var subscribers = new List<Subscriber>();
        for (var i = 0; i < 150; i++)
        {
            // Half through the controller, half through the minimal API, all on the same channel.
            subscribers.Add(await app.SubscribeAsync(i % 2 == 0 ? "/channels/open/room" : "/minimal/room"));
        }

        app.Hub().GetSubscriberCount("room").Should().Be(150);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await app.Hub().PublishAsync("room", SseEvent.FromData($"line {i}").WithEvent("chat")));
        }

        var received = await Task.WhenAll(subscribers.Select(s => s.NextAsync(20)));
        foreach (var events in received)
        {
            events.Select(e => e.Data).Should().Equal(Enumerable.Range(0, 20).Select(i => $"line {i}"));
            events.Select(e => e.EventId).Should().Equal(ids);
            events.Should().OnlyContain(e => e.EventType == "chat");
        }

        foreach (var subscriber in subscribers)
        {
            await subscriber.DisposeAsync();
        }

        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("room") == 0, "every subscriber to leave");
    }

    [Fact]
    public async Task Publish_H2cSubscribersOnOneConnection_EachStreamGetsEveryEvent()
    {
        await using var app = await ChannelsApp.StartAsync(protocols: Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        var subscribers = new List<Subscriber>();
        for (var i = 0; i < 10; i++)
        {
            subscribers.Add(await app.SubscribeAsync("/minimal/h2"));
        }

        await app.PublishAsync("h2", 5);

        foreach (var subscriber in subscribers)
        {
            subscriber.Response.Version.Should().Be(System.Net.HttpVersion.Version20);
            (await subscriber.NextAsync(5)).Select(e => e.Data).Should().Equal("e0", "e1", "e2", "e3", "e4");
            await subscriber.DisposeAsync();
        }

        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("h2") == 0, "every stream to leave");
    }

    [Fact]
    public async Task Publish_ToTwentySubscribers_EncodesEachEventOnce()
    {
        var encodes = 0;
        await using var app = await ChannelsApp.StartAsync(services: s => s.AddSingleton<ISseEncoder>(sp =>
            new CountingEncoder(new SseEncoder(sp.GetRequiredService<IOptions<TakoSseOptions>>()), () => Interlocked.Increment(ref encodes))));
        var subscribers = new List<Subscriber>();
        for (var i = 0; i < 20; i++)
        {
            subscribers.Add(await app.SubscribeAsync("/channels/open/once"));
        }

        await app.PublishAsync("once", 10);
        foreach (var subscriber in subscribers)
        {
            (await subscriber.NextAsync(10)).Select(e => e.Data).Should().Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"));
            await subscriber.DisposeAsync();
        }

        encodes.Should().Be(10, "each event is encoded once, whatever the number of subscribers");
    }

    [Fact]
    public async Task Subscribe_WithoutId_GetsLiveEventsOnly()
    {
        await using var app = await ChannelsApp.StartAsync();
        await app.PublishAsync("live", 3, "before");
        await using var subscriber = await app.SubscribeAsync("/channels/open/live");

        await app.PublishAsync("live", 1, "after");

        (await subscriber.NextAsync()).Data.Should().Be("after0");
    }

    [Fact]
    public async Task Subscribe_Response_IsAnEventStreamWithTheUsualHeaders()
    {
        await using var app = await ChannelsApp.StartAsync();
        await using var subscriber = await app.SubscribeAsync("/channels/open/headers");

        subscriber.Response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        subscriber.Response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
    }

    [Fact]
    public async Task Publish_Events_CountsPublishedDeliveredAndSubscribers()
    {
        await using var app = await ChannelsApp.StartAsync();
        using var published = app.Metric("tako.sse.channel.published");
        using var delivered = app.Metric("tako.sse.channel.delivered");
        using var subscribersGauge = app.Metric("tako.sse.channel.subscribers");
        var first = await app.SubscribeAsync("/channels/open/metrics");
        var second = await app.SubscribeAsync("/channels/open/metrics");
        subscribersGauge.Sum().Should().Be(2);

        await app.PublishAsync("metrics", 5);
        await first.NextAsync(5);
        await second.NextAsync(5);

        published.Sum().Should().Be(5);
        await Poll.UntilAsync(() => delivered.Sum() == 10, "ten deliveries");
        await first.DisposeAsync();
        await second.DisposeAsync();
        await Poll.UntilAsync(() => subscribersGauge.Sum() == 0, "the gauge to return to zero");
    }

    internal sealed class CountingEncoder(ISseEncoder inner, System.Action counted) : ISseEncoder
    {
        public void ApplyHeaders(Microsoft.AspNetCore.Http.HttpResponse response) => inner.ApplyHeaders(response);

        public void Encode(in SseEvent evt, IBufferWriter<byte> output)
        {
            counted();
            inner.Encode(evt, output);
        }

        public void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output) => inner.EncodeData(utf8, output);

        public void EncodeKeepAlive(IBufferWriter<byte> output) => inner.EncodeKeepAlive(output);
    }
}
