using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>One stream, many channels: delivery, the cursor, exact resume per channel, gaps per channel.</summary>
public sealed class ChannelMultiTests
{
    [Theory]
    [InlineData("/channels/many")]
    [InlineData("/minimal-many")]
    public async Task Subscribe_SeveralChannels_EveryChannelsEventsOnOneStreamWithTheirNames(string path)
    {
        await using var app = await ChannelsApp.StartAsync();
        await using var subscriber = await app.SubscribeAsync(ChannelsApp.Many(path, ["chat", "news", "tiles"]));

        await app.Hub().PublishAsync("chat", SseEvent.FromData("hi").WithEvent("message"));
        await app.Hub().PublishAsync("news", SseEvent.FromData("{}").WithEvent("headline"));
        await app.Hub().PublishAsync("elsewhere", SseEvent.FromData("not listed"));
        await app.Hub().PublishAsync("tiles", SseEvent.FromData("42").WithEvent("tile"));

        var events = await subscriber.NextAsync(3);
        events.Select(e => (e.EventType, e.Data)).Should().Equal(("message", "hi"), ("headline", "{}"), ("tile", "42"));
        events.Should().OnlyContain(e => e.EventId!.StartsWith("t1", StringComparison.Ordinal), "every id is the subscription's cursor");
        events.Select(e => e.EventId).Should().OnlyHaveUniqueItems("each event moves the cursor");
        app.Hub().GetSubscriberCount("news").Should().Be(1);
    }

    [Fact]
    public async Task Subscribe_SeveralChannels_OpensWithTheCursorAsItsPosition()
    {
        await using var app = await ChannelsApp.StartAsync();
        await app.PublishAsync("a", 2);

        using var response = await app.Client.OpenAsync(ChannelsApp.Many("a", "b"));
        await using var raw = await RawEventStream.OpenAsync(response);

        (await raw.ReadThroughAsync("\n\n")).Should().MatchRegex("^id: t1(\\*[0-9a-f]{16}-[0-9]*)?(\\.[A-Za-z0-9_-]{8}~[0-9]*){2}\n\n$");
    }

    [Fact]
    public async Task Subscribe_ResumeWhilePublishingGoesOnToEveryChannel_EachChannelExactNoGapNoDuplicate()
    {
        string[] channels = ["r0", "r1", "r2", "r3"];
        await using var app = await ChannelsApp.StartAsync(c => c.HistorySize = 100_000);
        using var stop = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var channel in channels)
                {
                    await app.Hub().PublishAsync(channel, SseEvent.FromData($"{channel}:{published}"));
                }

                // Paced, so the reader keeps up and the Disconnect policy stays out of it.
                published++;
                await Task.Delay(1);
            }
        });

        var received = new List<string>();
        string? lastId = null;
        for (var connection = 0; connection < 5; connection++)
        {
            await using var subscriber = await app.SubscribeAsync(ChannelsApp.Many(channels), lastEventId: lastId);
            foreach (var item in await subscriber.NextAsync(200))
            {
                item.EventType.Should().NotBe("tako.gap");
                received.Add(item.Data);
                lastId = item.EventId!;
            }
        }

        await stop.CancelAsync();
        await publisher;
        foreach (var channel in channels)
        {
            var numbers = received.Where(d => d.StartsWith(channel + ":", StringComparison.Ordinal)).Select(d => int.Parse(d[(channel.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            numbers.Should().NotBeEmpty();
            numbers.Should().Equal(Enumerable.Range(numbers[0], numbers.Count), $"{channel} resumed exactly across five connections");
        }
    }

    [Fact]
    public async Task Subscribe_OneChannelsPositionExpired_ThatChannelGetsItsOwnGapTheOthersResume()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.HistorySize = 3);
        string cursor;
        await using (var first = await app.SubscribeAsync(ChannelsApp.Many("fast", "slow")))
        {
            await app.PublishAsync("fast", 1, "f");
            await app.PublishAsync("slow", 1, "s");
            cursor = (await first.NextAsync(2))[^1].EventId!;
        }

        var newestFast = string.Empty;
        for (var i = 1; i <= 5; i++)
        {
            newestFast = await app.Hub().PublishAsync("fast", SseEvent.FromData($"f{i}"));
        }

        await app.PublishAsync("slow", 1, "later");
        await using var resumed = await app.SubscribeAsync(ChannelsApp.Many("fast", "slow"), lastEventId: cursor);
        var events = await resumed.NextAsync(2);

        var gap = events.Should().ContainSingle(e => e.EventType == "tako.gap").Which;
        using (var json = JsonDocument.Parse(gap.Data))
        {
            json.RootElement.GetProperty("channel").GetString().Should().Be("fast");
            json.RootElement.GetProperty("reason").GetString().Should().Be("expired");
            json.RootElement.GetProperty("lastEventId").GetString().Should().NotBeNullOrEmpty();
        }

        events.Should().ContainSingle(e => e.EventType != "tako.gap").Which.Data.Should().Be("later0", "slow resumes normally");
        await app.PublishAsync("fast", 1, "live");
        (await resumed.NextAsync()).Data.Should().Be("live0", "after its gap, fast goes on live");
    }

    [Fact]
    public async Task Subscribe_ListChangedSinceTheCursor_NewChannelJoinsLiveDroppedOneIsIgnored()
    {
        await using var app = await ChannelsApp.StartAsync();
        string cursor;
        await using (var first = await app.SubscribeAsync(ChannelsApp.Many("kept", "dropped")))
        {
            await app.PublishAsync("kept", 1, "k");
            cursor = (await first.NextAsync()).EventId!;
        }

        await app.PublishAsync("kept", 1, "missed");
        await app.PublishAsync("dropped", 1, "gone");
        await app.PublishAsync("added", 1, "before");
        await using var resumed = await app.SubscribeAsync(ChannelsApp.Many("added", "kept"), lastEventId: cursor);
        await app.PublishAsync("added", 1, "after");

        (await resumed.NextAsync(2)).Select(e => (e.EventType, e.Data)).Should().Equal(("message", "missed0"), ("message", "after0"));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("t1.AAAAAAAA~bad!")]
    [InlineData("t1")]
    [InlineData("t1.AAAAAAAA~1-1.AAAAAAAA~1-2")]
    [InlineData("0123456789abcdef-1")]
    public async Task Subscribe_MalformedOrForeignCursor_AGapForEveryChannelNeverAnError(string cursor)
    {
        await using var app = await ChannelsApp.StartAsync();
        await app.PublishAsync("x", 1);
        await app.PublishAsync("y", 1);

        await using var resumed = await app.SubscribeAsync(ChannelsApp.Many("x", "y"), lastEventId: cursor);
        var gaps = await resumed.NextAsync(2);

        gaps.Should().OnlyContain(e => e.EventType == "tako.gap");
        gaps.Select(e => Channel(e)).Should().BeEquivalentTo(["x", "y"]);
        gaps.Should().OnlyContain(e => e.Data.Contains("\"reason\":\"unknown\"", StringComparison.Ordinal));
        await app.PublishAsync("y", 1, "live");
        (await resumed.NextAsync()).Data.Should().Be("live0");
    }

    [Fact]
    public async Task Subscribe_CursorOfTenKilobytes_TheGapEchoesAtMost64Characters()
    {
        await using var app = await ChannelsApp.StartAsync();
        var cursor = "t1." + new string('A', 10 * 1024);

        await using var resumed = await app.SubscribeAsync(ChannelsApp.Many("x"), lastEventId: cursor);
        var gap = await resumed.NextAsync();

        using var json = JsonDocument.Parse(gap.Data);
        json.RootElement.GetProperty("lastEventId").GetString()!.Length.Should().BeLessThanOrEqualTo(64);
    }

    [Theory]
    [InlineData("/minimal-many", "tako.gap")]
    [InlineData("/channels/many", "id: t1")]
    public async Task Subscribe_CursorWithBytesThatAreNotUtf8_NeverAnErrorNeverAnEchoOfMoreThan64Characters(string path, string until)
    {
        // Kestrel's default answers 400 to such bytes itself; with Latin-1 they reach the application. MVC's
        // binding drops a cursor that is not UTF-8 (the stream joins live); a minimal API hands the text over.
        await using var app = await ChannelsApp.StartAsync(services: s => s.Configure<KestrelServerOptions>(k => k.RequestHeaderEncodingSelector = _ => Encoding.Latin1));
        byte[] cursor = [.. "t1."u8, 0xff, 0xfe, 0xc3, .. Enumerable.Repeat((byte)'A', 200)];

        var response = await RawHttp.ReadUntilAsync(app.BaseAddress, ChannelsApp.Many(path, ["x"]), until, RawHttp.Header("Last-Event-ID", cursor));

        response.Should().StartWith("HTTP/1.1 200");
        if (until == "tako.gap")
        {
            var data = response[(response.IndexOf("data: ", StringComparison.Ordinal) + 6)..];
            using var json = JsonDocument.Parse(data[..data.IndexOf('\n', StringComparison.Ordinal)]);
            json.RootElement.GetProperty("reason").GetString().Should().Be("unknown");
            json.RootElement.GetProperty("lastEventId").GetString().Should().HaveLength(64).And.StartWith("t1.???AAA");
        }
    }

    [Fact]
    public async Task Publish_ToManyMultiChannelSubscribers_EachEventEncodedOnce()
    {
        var encodes = 0;
        await using var app = await ChannelsApp.StartAsync(services: s => s.AddSingleton<ISseEncoder>(sp =>
            new ChannelFanOutTests.CountingEncoder(new SseEncoder(sp.GetRequiredService<IOptions<TakoSseOptions>>()), () => Interlocked.Increment(ref encodes))));
        var subscribers = new List<Subscriber>();
        for (var i = 0; i < 10; i++)
        {
            subscribers.Add(await app.SubscribeAsync(ChannelsApp.Many("shared", $"own{i}", "other")));
        }

        await app.PublishAsync("shared", 5);
        await app.PublishAsync("other", 5, "o");
        foreach (var subscriber in subscribers)
        {
            var events = await subscriber.NextAsync(10);
            events.Select(e => e.Data).Should().Equal(Enumerable.Range(0, 5).Select(i => $"e{i}").Concat(Enumerable.Range(0, 5).Select(i => $"o{i}")));
            events.Select(e => e.EventId).Should().OnlyHaveUniqueItems();
            await subscriber.DisposeAsync();
        }

        encodes.Should().Be(10, "each event is encoded once, whatever the number of subscribers and their channels; only the cursor is written per subscriber");
    }

    [Fact]
    public async Task Subscribe_SlowMultiChannelSubscriber_IsOneSlowSubscriberCutFromEveryChannel()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.SubscriberQueueSize = 16);
        using var stalled = StalledClient.Create(app.BaseAddress);
        using var response = await stalled.OpenAsync(ChannelsApp.Many("s1", "s2", "s3"));
        await using var fast = await app.SubscribeAsync("/channels/open/s3");
        var disconnected = app.Metric("tako.sse.channel.slow_disconnected");

        var payload = new string('x', 4096);
        for (var i = 0; i < 1_000 && app.Hub().GetSubscriberCount("s1") > 0; i++)
        {
            await app.Hub().PublishAsync(i % 2 == 0 ? "s1" : "s2", SseEvent.FromData(payload));
        }

        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("s1") == 0 && app.Hub().GetSubscriberCount("s2") == 0 && app.Hub().GetSubscriberCount("s3") == 1, "the slow subscriber left all three channels");
        disconnected.Sum().Should().Be(1, "one slow browser is one slow subscriber, however many channels it reads");
        await app.PublishAsync("s3", 1, "still");
        (await fast.NextAsync()).Data.Should().Be("still0");
    }

    private static string Channel(SseItem<string> gap)
    {
        using var json = JsonDocument.Parse(gap.Data);
        return json.RootElement.GetProperty("channel").GetString()!;
    }
}
