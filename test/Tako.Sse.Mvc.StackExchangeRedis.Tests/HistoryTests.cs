using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>The history in Redis: one stream per channel, trimmed by size and age, expiring once silent.</summary>
public sealed class HistoryTests
{
    [SkippableFact]
    public async Task PublishAsync_HistorySize_StreamKeepsAtLeastThatManyApproximately()
    {
        // Default node size (100 entries): MAXLEN ~ removes whole nodes only, so a little more stays.
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, c => c.HistorySize = 150);
        await a.PublishAsync("big", 1000, "e");

        var length = await (await redis.AdminAsync()).StreamLengthAsync("tako:sse:{big}");

        length.Should().BeInRange(150, 150 + 100);
    }

    [SkippableFact]
    public async Task PublishAsync_HistoryMaxAge_StreamKeyExpiresAfterThatMuchSilence()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, c => c.HistoryMaxAge = TimeSpan.FromMinutes(2));
        await a.PublishAsync("aging", "e");

        var ttl = await (await redis.AdminAsync()).KeyTimeToLiveAsync("tako:sse:{aging}");

        ttl.Should().NotBeNull();
        // At least the age after this event (the expiry is set a renewal window, an eighth, longer), at most that window more.
        ttl!.Value.Should().BeGreaterThan(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(10)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(2) * 9 / 8);
    }

    [SkippableFact]
    public async Task PublishAsync_NoHistoryMaxAge_StreamKeyExpiresADayAfterItsLastEvent()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, c => c.HistoryMaxAge = null);
        await a.PublishAsync("forever", "e");

        var ttl = await (await redis.AdminAsync()).KeyTimeToLiveAsync("tako:sse:{forever}");

        ttl.Should().NotBeNull("no key of the hub lives forever");
        ttl!.Value.Should().BeGreaterThan(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(10)).And.BeLessThanOrEqualTo(TimeSpan.FromDays(1) * 9 / 8);
    }

    [SkippableFact]
    public async Task PublishAsync_EntriesOlderThanHistoryMaxAge_AreTrimmedByTheirIdsTime()
    {
        // Entries stamped far in the past (explicit ids: Redis's clock is the only clock that counts), then one
        // publication: MINID, computed from the new entry's id, removes them.
        await using var redis = await RedisServer.StartAsync("--stream-node-max-entries", "1");
        var admin = await redis.AdminAsync();
        await admin.StreamAddAsync("tako:sse:{old}", "p", "{\"data\":\"old\"}", "1000-0");
        await admin.StreamAddAsync("tako:sse:{old}", "p", "{\"data\":\"old\"}", "2000-0");
        await using var a = await RedisApp.StartAsync(redis, c => c.HistoryMaxAge = TimeSpan.FromMinutes(5));

        var id = await a.PublishAsync("old", "new");

        (await admin.StreamRangeAsync("tako:sse:{old}")).Select(e => (string)e.Id!).Should().Equal(id);
    }

    [SkippableFact]
    public async Task PublishAsync_ManyEventsWithinOneWindow_TrimByAgeAndRenewTheExpiryOnceOrTwice()
    {
        // 300 events in well under a window (an eighth of five minutes): the age trim and the expiry run for the
        // first event (no predecessor) and at most once more (if the events straddle a window's edge), so a busy
        // channel costs the script and three commands per event, not five.
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, c => c.HistoryMaxAge = TimeSpan.FromMinutes(5));
        await a.PublishAsync("busy", "first");
        var server = (await redis.AdminAsync()).Multiplexer.GetServer(redis.EndPoint);
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        await a.PublishAsync("busy", 300, "e");

        var calls = await RedisCommandStats.ReadAsync([server]);
        calls.Should().Contain(new KeyValuePair<string, long>("evalsha", 300))
            .And.Contain(new KeyValuePair<string, long>("xrevrange", 300))
            .And.Contain(new KeyValuePair<string, long>("xadd", 300))
            .And.Contain(new KeyValuePair<string, long>("publish", 300));
        calls.GetValueOrDefault("xtrim").Should().BeLessThanOrEqualTo(1);
        calls.GetValueOrDefault("pexpire").Should().BeLessThanOrEqualTo(1);
        var ttl = await server.Multiplexer.GetDatabase().KeyTimeToLiveAsync("tako:sse:{busy}");
        ttl!.Value.Should().BeGreaterThan(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(30), "the key still lives the age after the last event");
    }

    [SkippableFact]
    public async Task PublishAsync_PredecessorInTheSameWindow_NeitherTrimsNorRenews()
    {
        // An entry stamped an hour ahead of Redis's clock: the new entry's id takes its time (Redis never goes back),
        // so both are in one window and the script leaves the key's expiry as it was.
        await using var redis = await RedisServer.StartAsync();
        var admin = await redis.AdminAsync();
        var ahead = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await admin.StreamAddAsync("tako:sse:{ahead}", "p", "{\"data\":\"x\"}", $"{ahead}-0");
        await admin.KeyExpireAsync("tako:sse:{ahead}", TimeSpan.FromHours(3));
        await using var a = await RedisApp.StartAsync(redis, c => c.HistoryMaxAge = TimeSpan.FromMinutes(5));

        var id = await a.PublishAsync("ahead", "new");

        id.Should().Be($"{ahead}-1");
        (await admin.KeyTimeToLiveAsync("tako:sse:{ahead}"))!.Value.Should().BeGreaterThan(TimeSpan.FromHours(2), "the expiry was not renewed within the window");
        (await admin.StreamLengthAsync("tako:sse:{ahead}")).Should().Be(2);
    }

    [SkippableFact]
    public async Task PublishAsync_KeyPrefix_NamesStreamAndAnnouncementChannel()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, keyPrefix: "myapp:sse:");
        await using var reading = await a.SubscribeAsync("c");
        await a.ServingAsync("c");

        await a.PublishAsync("c", "e");

        var admin = await redis.AdminAsync();
        (await admin.KeyExistsAsync("myapp:sse:{c}")).Should().BeTrue();
        (await admin.KeyExistsAsync("tako:sse:{c}")).Should().BeFalse();
        var subscriptions = (RedisResult[])(await redis.ExecuteAsync("PUBSUB", "NUMSUB", "myapp:sse:{c}"))!;
        ((long)subscriptions[1]).Should().Be(1);
        (await reading.UntilCountAsync(1)).Single().Data.Should().Be("e");
    }

    [SkippableFact]
    public async Task Sweep_ChannelWithoutSubscribersForTwoSweeps_IsUnsubscribed()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using (await a.SubscribeAsync("brief"))
        {
            await a.ServingAsync("brief");
        }

        await Poll.UntilAsync(() => a.Hub.GetSubscriberCount("brief") == 0, "the subscriber to leave");
        a.RedisHub.Sweep();
        a.RedisHub.Sweep();

        a.RedisHub.Channels.Count.Should().Be(0);
        await Poll.UntilAsync(
            async () => (long)((RedisResult[])(await redis.ExecuteAsync("PUBSUB", "NUMSUB", "tako:sse:{brief}"))!)[1] == 0,
            "the pub/sub subscription to go");
    }
}
