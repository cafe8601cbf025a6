using System.Text.Json;
using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>
/// One instance's pub/sub connection killed (<c>CLIENT KILL USER b TYPE pubsub</c>) while the other publishes.
/// Instance B connects as its own Redis user, which is switched off meanwhile (and A as the default user, with
/// a password, so that B cannot come back as that one), so B's subscription stays down
/// until the test lets it back: the events published in between are certain to have been missed live.
/// </summary>
public sealed class PubSubOutageTests
{
    [SkippableFact]
    public async Task PubSubKilled_WhileOtherInstancePublishes_CatchesUpEveryEventInOrderWhenBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var outage = await PubSubOutage.StartAsync(redis);
        await using var onB = await outage.B.SubscribeAsync("live");
        await outage.B.ServingAsync("live");
        await outage.A.PublishAsync("live", "e0");
        await onB.UntilCountAsync(1);

        await outage.KillBSubscriptionAsync("live");
        await outage.A.PublishAsync("live", 9, "during");
        await outage.LetBBackAsync();
        await outage.A.PublishAsync("live", "after");

        var data = (await onB.UntilCountAsync(11)).Select(e => e.Data).ToList();
        data.Should().Equal(["e0", .. Enumerable.Range(0, 9).Select(i => "during" + i), "after"]);
        onB.Events().Select(e => e.EventId).Should().Equal((await (await redis.AdminAsync()).StreamRangeAsync("tako:sse:{live}")).Select(e => (string)e.Id!));
    }

    [SkippableFact]
    public async Task PubSubKilled_WhileAMultiChannelSubscriberIsOpen_EveryChannelCatchesUpInOrder()
    {
        string[] channels = ["m1", "m2", "m3"];
        await using var redis = await RedisServer.StartAsync();
        await using var outage = await PubSubOutage.StartAsync(redis);
        await using var onB = await outage.B.SubscribeManyAsync(channels);
        foreach (var channel in channels)
        {
            await outage.B.ServingAsync(channel);
            await outage.A.PublishAsync(channel, channel + ":e0");
        }

        await onB.UntilCountAsync(3);
        await outage.KillBSubscriptionAsync("m1");
        foreach (var channel in channels)
        {
            await outage.A.PublishAsync(channel, 4, channel + ":during");
        }

        await outage.LetBBackAsync();
        foreach (var channel in channels)
        {
            await outage.A.PublishAsync(channel, channel + ":after");
        }

        var events = await onB.UntilCountAsync(3 * 6);
        events.Should().NotContain(e => e.EventType == "tako.gap");
        foreach (var channel in channels)
        {
            events.Select(e => e.Data).Where(d => d.StartsWith(channel + ":", StringComparison.Ordinal)).Should().Equal(
                [channel + ":e0", .. Enumerable.Range(0, 4).Select(i => channel + ":during" + i), channel + ":after"]);
        }
    }

    [SkippableFact]
    public async Task PubSubKilled_EventsTrimmedMeanwhile_GapThenWhatRedisStillHolds()
    {
        await using var redis = await RedisServer.StartAsync("--stream-node-max-entries", "1");
        await using var outage = await PubSubOutage.StartAsync(redis, c => c.HistorySize = 3);
        await using var onB = await outage.B.SubscribeAsync("live");
        await outage.B.ServingAsync("live");
        var first = await outage.A.PublishAsync("live", "e0");
        await onB.UntilCountAsync(1);

        await outage.KillBSubscriptionAsync("live");
        await outage.A.PublishAsync("live", 10, "during");
        await outage.LetBBackAsync();

        var events = await onB.UntilCountAsync(5);
        events.Select(e => e.EventType == "tako.gap" ? "gap" : e.Data).Should().Equal("e0", "gap", "during7", "during8", "during9");
        using var json = JsonDocument.Parse(events[1].Data);
        json.RootElement.GetProperty("lastEventId").GetString().Should().Be(first);
        json.RootElement.GetProperty("reason").GetString().Should().Be("expired");
    }

    [SkippableFact]
    public async Task Subscribe_IdAheadOfALaggingInstance_CatchesUpThenDeliversOnlyNewerEvents()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var outage = await PubSubOutage.StartAsync(redis);
        await using var onB = await outage.B.SubscribeAsync("live");
        await outage.B.ServingAsync("live");
        await outage.KillBSubscriptionAsync("live");

        // A browser saw everything on A, then reconnects to B, which has delivered nothing of it yet.
        var ids = await outage.A.PublishAsync("live", 5, "e");
        await using var resumed = await outage.B.SubscribeAsync("live", ids[^1]);
        await outage.LetBBackAsync();
        await outage.A.PublishAsync("live", "after");

        (await resumed.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("after");
        (await onB.UntilCountAsync(6)).Select(e => e.Data).Should().Equal("e0", "e1", "e2", "e3", "e4", "after");
        resumed.Events().Should().HaveCount(1);
    }

    /// <summary>Instance A as the default user, instance B as user <c>b</c>, whom the test can switch off.</summary>
    private sealed class PubSubOutage(RedisServer redis, RedisApp a, RedisApp b) : IAsyncDisposable
    {
        public RedisApp A => a;

        public RedisApp B => b;

        public static async Task<PubSubOutage> StartAsync(RedisServer redis, Action<SseChannelOptions>? channels = null)
        {
            // The admin connection is in already. The default user gets a password too: a client whose user is
            // off would otherwise come back as the default user, without one.
            await redis.AdminAsync();
            await redis.ExecuteAsync("ACL", "SETUSER", "b", "on", ">pw", "~*", "&*", "+@all");
            await redis.ExecuteAsync("ACL", "SETUSER", "default", ">apw");
            var a = await RedisApp.StartAsync(redis, channels, password: "apw");
            var b = await RedisApp.StartAsync(redis, channels, user: "b", password: "pw");
            return new PubSubOutage(redis, a, b);
        }

        /// <summary>Switches user b off and kills B's pub/sub connection: it cannot come back until <see cref="LetBBackAsync"/>.</summary>
        public async Task KillBSubscriptionAsync(string channel)
        {
            await redis.ExecuteAsync("ACL", "SETUSER", "b", "off");
            var killed = (long)await redis.ExecuteAsync("CLIENT", "KILL", "USER", "b", "TYPE", "pubsub");
            killed.Should().Be(1);
            var numsub = (RedisResult[])(await redis.ExecuteAsync("PUBSUB", "NUMSUB", "tako:sse:{" + channel + "}"))!;
            ((long)numsub[1]).Should().BeLessThanOrEqualTo(1, "only A's subscription is left");
        }

        /// <summary>Switches user b on again and waits until B's subscription is back.</summary>
        public async Task LetBBackAsync()
        {
            await redis.ExecuteAsync("ACL", "SETUSER", "b", "on");
            await Poll.UntilAsync(
                async () => ((string)(await redis.ExecuteAsync("CLIENT", "LIST", "TYPE", "pubsub"))!).Contains("user=b", StringComparison.Ordinal),
                "B's pub/sub connection to come back; B's log: " + string.Join("\n", b.Logs.GetSnapshot().Select(r => r.Level + " " + r.Message + " " + r.Exception?.Message).TakeLast(30)));
        }

        public async ValueTask DisposeAsync()
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
        }
    }
}
