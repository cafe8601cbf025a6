using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

public class ChannelGapTests
{
    [Fact]
    public async Task Subscribe_IdTrimmedBySize_GapExpiredWithNewestIdThenLiveEvents()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.HistorySize = 3);
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await app.Hub().PublishAsync("small", SseEvent.FromData($"e{i}")));
        }

        await using var subscriber = await app.SubscribeAsync("/channels/open/small", lastEventId: ids[2]);
        await app.PublishAsync("small", 1, "live");

        subscriber.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        var gap = await subscriber.NextAsync();
        gap.EventType.Should().Be("tako.gap");
        gap.EventId.Should().Be(ids[^1], "the next reconnect must ask from the newest id, not repeat the gap");
        Data(gap).Should().Be((ids[2], "expired"));
        (await subscriber.NextAsync()).Data.Should().Be("live0");
    }

    [Fact]
    public async Task Subscribe_IdOlderThanMaxAge_GapExpired()
    {
        var time = new FakeTimeProvider();
        await using var app = await ChannelsApp.StartAsync(c => c.HistoryMaxAge = TimeSpan.FromMinutes(1), time);
        var old = await app.Hub().PublishAsync("aged", SseEvent.FromData("old"));
        await app.Hub().PublishAsync("aged", SseEvent.FromData("old too"));
        time.Advance(TimeSpan.FromSeconds(50));
        var recent = await app.Hub().PublishAsync("aged", SseEvent.FromData("recent"));
        time.Advance(TimeSpan.FromSeconds(20));

        await using var stale = await app.SubscribeAsync("/channels/open/aged", lastEventId: old);
        await using var fresh = await app.SubscribeAsync("/channels/open/aged", lastEventId: recent);
        await app.PublishAsync("aged", 1, "live");

        var gap = await stale.NextAsync();
        Data(gap).Should().Be((old, "expired"));
        gap.EventId.Should().Be(recent);
        (await fresh.NextAsync()).Data.Should().Be("live0", "an id still within the age limit resumes without a gap");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("0123456789abcdef-1")]
    [InlineData("{epoch}-00")]
    [InlineData("{epoch}-01")]
    [InlineData("{epoch}-+1")]
    [InlineData("{epoch}--1")]
    [InlineData("{epoch}-1.5")]
    [InlineData("{epoch}-1x")]
    [InlineData("{epoch}-99999999999999999999")]
    [InlineData("{EPOCH}-1")]
    [InlineData("{epoch}-1000000")]
    [InlineData("<script>\"}")]
    public async Task Subscribe_MalformedForeignOrNeverIssuedId_GapUnknownWithIdAsSent(string template)
    {
        await using var app = await ChannelsApp.StartAsync();
        var issued = await app.Hub().PublishAsync("strict", SseEvent.FromData("x"));
        var epoch = issued[..issued.IndexOf('-', StringComparison.Ordinal)];
        var sent = template.Replace("{epoch}", epoch, StringComparison.Ordinal).Replace("{EPOCH}", epoch.ToUpperInvariant(), StringComparison.Ordinal);

        await using var subscriber = await app.SubscribeAsync("/channels/open/strict", lastEventId: sent);

        var gap = await subscriber.NextAsync();
        gap.EventType.Should().Be("tako.gap");
        Data(gap).Should().Be((sent.Trim(), "unknown"));
        gap.EventId.Should().Be(issued);
    }

    [Fact]
    public async Task Subscribe_IdFromBeforeARestart_GapUnknown()
    {
        string before;
        await using (var first = await ChannelsApp.StartAsync())
        {
            before = await first.Hub().PublishAsync("restart", SseEvent.FromData("x"));
        }

        await using var app = await ChannelsApp.StartAsync();
        await using var subscriber = await app.SubscribeAsync("/channels/open/restart", lastEventId: before);

        var gap = await subscriber.NextAsync();
        Data(gap).Should().Be((before, "unknown"));
        gap.EventId.Should().Be($"{((InMemorySseHub)app.Hub()).Ids.Epoch}-0", "the channel has no events yet here: its position is this hub's start");
    }

    [Fact]
    public async Task Subscribe_StaleIdOfARemovedAndRecreatedChannel_GapExpired()
    {
        var time = new FakeTimeProvider();
        await using var app = await ChannelsApp.StartAsync(c => c.HistoryMaxAge = TimeSpan.FromSeconds(10), time);
        var hub = (InMemorySseHub)app.Hub();
        var stale = await hub.PublishAsync("reborn", SseEvent.FromData("first life"));
        await hub.PublishAsync("reborn", SseEvent.FromData("end of the first life"));
        time.Advance(TimeSpan.FromSeconds(20));
        hub.ChannelCount.Should().Be(0, "the sweep removed the channel once its history aged out");

        var newest = await hub.PublishAsync("reborn", SseEvent.FromData("second life"));
        await using var subscriber = await app.SubscribeAsync("/channels/open/reborn", lastEventId: stale);

        var gap = await subscriber.NextAsync();
        Data(gap).Should().Be((stale, "expired"));
        gap.EventId.Should().Be(newest);
    }

    [Fact]
    public async Task Subscribe_ReconnectWithTheGapsId_GetsNoSecondGap()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.HistorySize = 1);
        var old = await app.Hub().PublishAsync("once", SseEvent.FromData("a"));
        await app.Hub().PublishAsync("once", SseEvent.FromData("b"));
        string gapId;
        await using (var first = await app.SubscribeAsync("/channels/open/once", lastEventId: old))
        {
            gapId = (await first.NextAsync()).EventId!;
        }

        await using var second = await app.SubscribeAsync("/channels/open/once", lastEventId: gapId);
        await app.PublishAsync("once", 1, "live");

        (await second.NextAsync()).Data.Should().Be("live0");
    }

    [Fact]
    public async Task Subscribe_GapWithCustomName_UsesTheOptionAndCountsByReason()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.GapEventName = "missed");
        using var gaps = app.Metric("tako.sse.channel.gaps_sent");

        await using var subscriber = await app.SubscribeAsync("/minimal/named", lastEventId: "nope");

        (await subscriber.NextAsync()).EventType.Should().Be("missed");
        gaps.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["reason"].Should().Be("unknown");
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 32 && r.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
    }

    internal static (string? LastEventId, string? Reason) Data(System.Net.ServerSentEvents.SseItem<string> gap)
    {
        using var json = JsonDocument.Parse(gap.Data);
        var root = json.RootElement;
        return (root.GetProperty("lastEventId").GetString(), root.GetProperty("reason").GetString());
    }
}
