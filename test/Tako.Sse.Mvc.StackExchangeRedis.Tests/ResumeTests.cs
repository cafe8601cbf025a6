using System.Text.Json;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>Last-Event-ID resume on any instance, and the gap event, through a real redis-server.</summary>
public sealed class ResumeTests
{
    [SkippableFact]
    public async Task Subscribe_LastEventIdFromOtherInstanceWhilePublishing_ResumesWithNoGapAndNoDuplicate()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);
        await using (var first = await a.SubscribeAsync("feed"))
        {
            await a.ServingAsync("feed");
            await a.PublishAsync("feed", 10, "e");
            await first.UntilCountAsync(10);
        }

        var ids = (await (await redis.AdminAsync()).StreamRangeAsync("tako:sse:{feed}")).Select(e => (string)e.Id!).ToList();

        // Publishing goes on (from A) while the browser reconnects to B with the id of e4.
        using var stop = new CancellationTokenSource();
        var publisher = Task.Run(async () =>
        {
            var i = 10;
            while (!stop.IsCancellationRequested && i < 400)
            {
                await a.PublishAsync("feed", "e" + i++);
            }

            return i;
        });
        await using var resumed = await b.SubscribeAsync("feed", ids[4]);
        await resumed.UntilCountAsync(60);
        await stop.CancelAsync();
        var published = await publisher;

        var data = (await resumed.UntilCountAsync(published - 5)).Select(e => e.Data).ToList();
        data.Should().Equal(Enumerable.Range(5, published - 5).Select(i => "e" + i));
        resumed.Events().Should().NotContain(e => e.EventType == "tako.gap");
    }

    [SkippableFact]
    public async Task Subscribe_IdOfNewestEventOnAnIdleChannel_GetsOnlyLaterEvents()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);
        var ids = await a.PublishAsync("quiet", 3, "e");

        await using var resumed = await b.SubscribeAsync("quiet", ids[^1]);
        await b.ServingAsync("quiet");
        await a.PublishAsync("quiet", "after");

        (await resumed.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("after");
    }

    [SkippableFact]
    public async Task Subscribe_IdRedisTrimmed_GetsExpiredGapWithNewestIdThenLiveEvents()
    {
        // One entry per stream node: Redis's approximate trimming then keeps exactly HistorySize entries.
        await using var redis = await RedisServer.StartAsync("--stream-node-max-entries", "1");
        await using var a = await RedisApp.StartAsync(redis, c => c.HistorySize = 3);
        await using var b = await RedisApp.StartAsync(redis, c => c.HistorySize = 3);
        var ids = await a.PublishAsync("short", 10, "e");
        (await (await redis.AdminAsync()).StreamLengthAsync("tako:sse:{short}")).Should().Be(3);

        await using var resumed = await b.SubscribeAsync("short", ids[1]);
        var gap = (await resumed.UntilCountAsync(1)).Single();
        await a.PublishAsync("short", "live");

        gap.EventType.Should().Be("tako.gap");
        gap.EventId.Should().Be(ids[^1]);
        using (var json = JsonDocument.Parse(gap.Data))
        {
            json.RootElement.GetProperty("lastEventId").GetString().Should().Be(ids[1]);
            json.RootElement.GetProperty("reason").GetString().Should().Be("expired");
        }

        (await resumed.UntilCountAsync(2))[1].Data.Should().Be("live");
    }

    [SkippableFact]
    public async Task Subscribe_IdWithinHistory_ResumesFromHistoryWithoutGap()
    {
        await using var redis = await RedisServer.StartAsync("--stream-node-max-entries", "1");
        await using var a = await RedisApp.StartAsync(redis, c => c.HistorySize = 3);
        var ids = await a.PublishAsync("short", 10, "e");

        await using var resumed = await a.SubscribeAsync("short", ids[7]);

        (await resumed.UntilCountAsync(2)).Select(e => e.Data).Should().Equal("e8", "e9");
    }

    [SkippableTheory]
    [InlineData("not-an-id")]
    [InlineData("0123456789abcdef-5")]
    [InlineData("17-")]
    [InlineData("99999999999999-0")]
    [InlineData("\"}, \"reason\": \"x")]
    public async Task Subscribe_MalformedOrForeignId_GetsUnknownGapThenLiveEvents(string lastEventId)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        var ids = await a.PublishAsync("c", 2, "e");

        await using var resumed = await a.SubscribeAsync("c", lastEventId);
        var gap = (await resumed.UntilCountAsync(1)).Single();
        await a.PublishAsync("c", "live");

        gap.EventType.Should().Be("tako.gap");
        gap.EventId.Should().Be(ids[^1]);
        using (var json = JsonDocument.Parse(gap.Data))
        {
            json.RootElement.GetProperty("lastEventId").GetString().Should().Be(lastEventId);
            json.RootElement.GetProperty("reason").GetString().Should().Be("unknown");
        }

        (await resumed.UntilCountAsync(2))[1].Data.Should().Be("live");
    }

    [SkippableFact]
    public async Task Subscribe_AnyIdOnAChannelWithNoStream_GetsGapWithThePositionBeforeEveryEntry()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);

        await using var resumed = await a.SubscribeAsync("empty", "1700000000000-0");
        var gap = (await resumed.UntilCountAsync(1)).Single();

        gap.EventType.Should().Be("tako.gap");
        gap.EventId.Should().Be("0-0", "the channel has no entry yet: its position is before the first");
    }

    [SkippableFact]
    public async Task Subscribe_HistorySizeZero_EveryResumeGetsGap()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, c => c.HistorySize = 0);
        var ids = await a.PublishAsync("none", 3, "e");

        await using var resumed = await a.SubscribeAsync("none", ids[1]);

        var gap = (await resumed.UntilCountAsync(1)).Single();
        gap.EventType.Should().Be("tako.gap");
        gap.EventId.Should().Be(ids[^1]);
    }
}
