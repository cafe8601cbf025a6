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
        (await ReadUntilEndAsync(stalled)).Should().BeTrue("the stalled response was aborted, even with its write stuck");

        // The log is written off the publisher's thread, just before the abort: the stream's end comes after it.
        app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 30).Which.Level.Should().Be(LogLevel.Information);
        app.Logs.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Warning, "a client's slowness is not an error");

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

        // The stalled stream may come unstuck for a moment while publishing goes on (the kernel grows its
        // buffers), so there can be several gaps. Each one follows the last event delivered, and what comes
        // after it follows on from the gap's id, without a duplicate.
        var next = 0;
        var gaps = 0;
        string? lastDelivered = null;
        foreach (var item in received)
        {
            if (item.EventType == "tako.gap")
            {
                gaps++;
                ChannelGapTests.Data(item).Should().Be((lastDelivered, "dropped"));
                var resumeAt = published.IndexOf(item.EventId!) + 1;
                resumeAt.Should().BeGreaterThan(next, "a gap stands for events that were dropped");
                next = resumeAt;
                continue;
            }

            published.IndexOf(item.EventId!).Should().Be(next, "events between gaps follow the history in order");
            next++;
            lastDelivered = item.EventId;
        }

        gaps.Should().BePositive();
        received.Count(e => e.EventType != "tako.gap").Should().BeLessThan(published.Count, "events were dropped");
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
