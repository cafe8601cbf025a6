using System.Net.ServerSentEvents;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// A subscriber that stops reading, next to one that keeps reading. Events are 16 KB so the stalled one's
/// socket and Kestrel's pipe fill after a few hundred; the loop is bounded either way.
/// </summary>
public class ChannelSlowSubscriberTests
{
    private const int MaxEvents = 3000;
    private static readonly string s_payload = new('x', 16 * 1024);

    [Fact]
    public async Task Publish_SubscriberStopsReading_DisconnectedWhileOthersGetEverythingThenResumesFromHistory()
    {
        await using var app = await ChannelsApp.StartAsync(c =>
        {
            c.SubscriberQueueSize = 4;
            c.HistorySize = MaxEvents + 1;
        });
        using var slowDisconnected = app.Metric("tako.sse.channel.slow_disconnected");
        using var stalledClient = StalledClient.Create(app.BaseAddress);
        await using var stalled = await app.SubscribeAsync("/channels/open/slow", client: stalledClient);
        await using var healthy = await app.SubscribeAsync("/channels/open/slow");
        var first = await app.Hub().PublishAsync("slow", SseEvent.FromData("first"));
        (await stalled.NextAsync()).EventId.Should().Be(first);
        (await healthy.NextAsync()).EventId.Should().Be(first);

        // The stalled subscriber reads nothing more from here on.
        var published = new List<string>();
        while (app.Hub().GetSubscriberCount("slow") == 2 && published.Count < MaxEvents)
        {
            published.Add(await app.Hub().PublishAsync("slow", SseEvent.FromData(s_payload)));
            (await healthy.NextAsync()).EventId.Should().Be(published[^1], "the healthy subscriber gets every event, in order, at once");
        }

        app.Hub().GetSubscriberCount("slow").Should().Be(1, "the stalled subscriber was disconnected");
        slowDisconnected.Sum().Should().Be(1);
        app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 30).Which.Level.Should().Be(LogLevel.Information);
        (await ReadUntilEndAsync(stalled)).Should().BeTrue("the stalled response was aborted, even with its write stuck");

        // The browser would reconnect with the last id it saw: the history has everything since.
        await using var back = await app.SubscribeAsync("/channels/open/slow", lastEventId: first);
        (await back.NextAsync(published.Count)).Select(e => e.EventId).Should().Equal(published);
    }

    [Fact]
    public async Task Publish_SubscriberStopsReadingUnderDropOldest_GetsARunThenAGapThenTheNewestEvents()
    {
        await using var app = await ChannelsApp.StartAsync(c =>
        {
            c.SubscriberQueueSize = 4;
            c.SlowSubscriberPolicy = SseSlowSubscriberPolicy.DropOldest;
        });
        using var dropped = app.Metric("tako.sse.channel.dropped");
        using var stalledClient = StalledClient.Create(app.BaseAddress);
        await using var stalled = await app.SubscribeAsync("/channels/open/drop", client: stalledClient);
        await using var healthy = await app.SubscribeAsync("/channels/open/drop");

        var published = new List<string>();
        while (dropped.Sum() < 10 && published.Count < MaxEvents)
        {
            published.Add(await app.Hub().PublishAsync("drop", SseEvent.FromData(s_payload)));
            (await healthy.NextAsync()).EventId.Should().Be(published[^1]);
        }

        app.Hub().GetSubscriberCount("drop").Should().Be(2, "DropOldest keeps the subscriber");
        var after = await app.Hub().PublishAsync("drop", SseEvent.FromData("after"));
        published.Add(after);

        // Reading again: the run that was already on its way, the gap, then the queued events and the new one.
        var received = new List<SseItem<string>>();
        while (received.Count == 0 || received[^1].EventId != after)
        {
            received.Add(await stalled.NextAsync());
        }

        var gapAt = received.FindIndex(e => e.EventType == "tako.gap");
        gapAt.Should().BePositive();
        received.Take(gapAt).Select(e => e.EventId).Should().Equal(published.Take(gapAt));
        var resumedAt = published.IndexOf(received[gapAt + 1].EventId!);
        received.Skip(gapAt + 1).Select(e => e.EventId).Should().Equal(published.Skip(resumedAt));
        received[gapAt].EventId.Should().Be(published[resumedAt - 1], "the gap's id is the last event dropped");
        ChannelGapTests.Data(received[gapAt]).Should().Be((published[gapAt - 1], "dropped"));
        (resumedAt - gapAt).Should().BeGreaterThanOrEqualTo(10, "at least ten events were dropped");
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 31 && r.Level == LogLevel.Debug);
    }

    // True when the response ends (cleanly or by a reset) within the deadline, whatever it still delivers.
    private static async Task<bool> ReadUntilEndAsync(Subscriber subscriber)
    {
        try
        {
            for (var i = 0; i < MaxEvents + 2; i++)
            {
                await subscriber.NextAsync();
            }

            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            return true;
        }
    }
}
