using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

public class ChannelResumeTests
{
    [Fact]
    public async Task Subscribe_IdInHistory_GetsEveryLaterEventThenLiveOnes()
    {
        await using var app = await ChannelsApp.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await app.Hub().PublishAsync("orders", SseEvent.FromData($"e{i}")));
        }

        await using var subscriber = await app.SubscribeAsync("/channels/open/orders", lastEventId: ids[1]);
        await app.PublishAsync("orders", 2, "live");

        var events = await subscriber.NextAsync(5);
        events.Select(e => e.Data).Should().Equal("e2", "e3", "e4", "live0", "live1");
        events.Take(3).Select(e => e.EventId).Should().Equal(ids.Skip(2));
    }

    [Fact]
    public async Task Subscribe_NewestId_GetsNoReplayAndNoGap()
    {
        await using var app = await ChannelsApp.StartAsync();
        await app.PublishAsync("orders", 3);
        var newest = await app.Hub().PublishAsync("orders", SseEvent.FromData("newest"));

        await using var subscriber = await app.SubscribeAsync("/channels/open/orders", lastEventId: newest);
        await app.PublishAsync("orders", 1, "live");

        (await subscriber.NextAsync()).Data.Should().Be("live0");
    }

    [Fact]
    public async Task Subscribe_CursorInQueryForPolyfills_Resumes()
    {
        await using var app = await ChannelsApp.StartAsync();
        var first = await app.Hub().PublishAsync("polyfill", SseEvent.FromData("one"));
        await app.Hub().PublishAsync("polyfill", SseEvent.FromData("two"));

        await using var subscriber = await app.SubscribeAsync("/channels/cursor/polyfill?lastEventId=" + Uri.EscapeDataString(first));

        (await subscriber.NextAsync()).Data.Should().Be("two");
    }

    [Fact]
    public async Task Subscribe_ResumeWhilePublishingGoesOn_GetsAnExactRunWithNoGapOrDuplicate()
    {
        // Queues as large as the run: this test is about the resume, not about a reader the busy machine
        // slows down (that one would be disconnected as a slow subscriber, rightly).
        await using var app = await ChannelsApp.StartAsync(c =>
        {
            c.HistorySize = 10_000;
            c.SubscriberQueueSize = 10_000;
        });
        var ids = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            ids.Add(await app.Hub().PublishAsync("busy", SseEvent.FromData($"e{i}")));
        }

        const int Total = 3000;
        var publisher = Task.Run(async () =>
        {
            for (var i = 50; i < Total; i++)
            {
                var id = await app.Hub().PublishAsync("busy", SseEvent.FromData($"e{i}"));
                lock (ids)
                {
                    ids.Add(id);
                }
            }
        });

        // Several resumes land at different points of the publishing; each must see exactly the rest.
        var runs = new List<Task<List<string>>>();
        for (var k = 0; k < 5; k++)
        {
            var from = 10 * k;
            runs.Add(ReadFromAsync(app, ids[from], Total - from - 1));
        }

        await publisher;
        var received = await Task.WhenAll(runs);
        for (var k = 0; k < received.Length; k++)
        {
            received[k].Should().Equal(ids.Skip((10 * k) + 1), "resume {0} must be a gap-free, duplicate-free run", k);
        }
    }

    [Fact]
    public async Task Subscribe_ResumeAfterReconnect_GetsWhatWasMissedMeanwhile()
    {
        await using var app = await ChannelsApp.StartAsync();
        var first = await app.SubscribeAsync("/channels/open/feed");
        await app.PublishAsync("feed", 2, "a");
        var seen = await first.NextAsync(2);
        await first.DisposeAsync();
        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("feed") == 0, "the first connection to leave");

        await app.PublishAsync("feed", 3, "b");
        await using var second = await app.SubscribeAsync("/channels/open/feed", lastEventId: seen[^1].EventId);

        (await second.NextAsync(3)).Select(e => e.Data).Should().Equal("b0", "b1", "b2");
    }

    [Fact]
    public async Task Subscribe_Resume_CountsAResume()
    {
        await using var app = await ChannelsApp.StartAsync();
        using var resumed = app.Metric("tako.sse.channel.resumed");
        var id = await app.Hub().PublishAsync("count", SseEvent.FromData("x"));

        await using var subscriber = await app.SubscribeAsync("/channels/open/count", lastEventId: id);

        resumed.Sum().Should().Be(1);
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 33);
    }

    private static async Task<List<string>> ReadFromAsync(TestApp app, string lastEventId, int count)
    {
        await using var subscriber = await app.SubscribeAsync("/channels/open/busy", lastEventId);
        return [.. (await subscriber.NextAsync(count)).Select(e => e.EventId!)];
    }
}
