using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Cluster;

/// <summary>The Redis hub's delivery promises (DeliveryTests, HistoryTests) held on a real Redis Cluster.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ClusterDeliveryTests(SharedCluster shared)
{
    [SkippableFact]
    public async Task PublishAsync_OnACluster_EverySubscriberOnBothInstancesGetsEveryEventInOneOrder()
    {
        var cluster = await shared.GetAsync();
        var channel = Unique("orders");
        await using var a = await RedisApp.StartAsync(cluster);
        await using var b = await RedisApp.StartAsync(cluster);
        await using var onA = await a.SubscribeAsync(channel);
        await using var onB = await b.SubscribeAsync(channel);
        await a.ServingAsync(channel);
        await b.ServingAsync(channel);

        var fromA = a.PublishAsync(channel, 50, "a");
        var fromB = b.PublishAsync(channel, 50, "b");
        var ids = (await fromA).Concat(await fromB).ToList();

        var expected = await onA.UntilCountAsync(100);
        (await onB.UntilCountAsync(100)).Select(e => (e.EventId, e.Data)).Should().Equal(expected.Select(e => (e.EventId, e.Data)));
        expected.Select(e => e.EventId).Should().BeEquivalentTo(ids);
        expected.Where(e => e.Data.StartsWith('a')).Select(e => e.Data).Should().Equal(Enumerable.Range(0, 50).Select(i => "a" + i));
        expected.Where(e => e.Data.StartsWith('b')).Select(e => e.Data).Should().Equal(Enumerable.Range(0, 50).Select(i => "b" + i));
        var stream = await (await cluster.AdminAsync()).GetDatabase().StreamRangeAsync("tako:sse:{" + channel + "}");
        stream.Select(e => (string)e.Id!).Should().Equal(expected.Select(e => e.EventId));
    }

    [SkippableFact]
    public async Task Subscribe_FirstOfAChannelOnAnInstanceOfACluster_ResponseOpensOnlyOnceTheInstanceKnowsWhereTheChannelStands()
    {
        var cluster = await shared.GetAsync();
        var channel = Unique("news");
        var gate = new RedisCallGate(nameof(IDatabaseAsync.StreamRangeAsync));
        await using var a = await RedisApp.StartAsync(cluster);
        await using var b = await RedisApp.StartAsync(cluster, services: Gated(cluster, gate));
        b.RedisHub.OpeningWait = Poll.Deadline;
        await a.PublishAsync(channel, "before");

        var opening = b.SubscribeAsync(channel);
        await gate.Reached.Task.WaitAsync(Poll.Deadline);
        await Poll.UntilAsync(() => opening.IsCompleted || b.RedisHub.OpeningsWaiting == 1, "the response to wait, or open");
        opening.IsCompleted.Should().BeFalse("the response must not open before b knows where the channel stands");
        await a.PublishAsync(channel, "before the response opened");

        gate.Open.SetResult();
        await using var onB = await opening;
        await a.PublishAsync(channel, "after");

        (await onB.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("after");
        b.RedisHub.OpeningsWaiting.Should().Be(0);
    }

    [SkippableFact]
    public async Task Sweep_ChannelWithoutSubscribersForTwoSweepsOnACluster_IsUnsubscribedFromItsShard()
    {
        var cluster = await shared.GetAsync();
        var channel = Unique("brief");
        await using var a = await RedisApp.StartAsync(cluster);
        var owner = await cluster.MasterOfAsync(await cluster.SlotAsync(channel));
        await using (await a.SubscribeAsync(channel))
        {
            await a.ServingAsync(channel);
            (await cluster.ExecuteAsync(owner, "PUBSUB", "SHARDNUMSUB", "tako:sse:{" + channel + "}")).Should().EndWith("1");
        }

        await Poll.UntilAsync(() => a.Hub.GetSubscriberCount(channel) == 0, "the subscriber to leave");
        a.RedisHub.Sweep();
        a.RedisHub.Sweep();

        a.RedisHub.Channels.Count.Should().Be(0);
        await Poll.UntilAsync(
            async () => (await cluster.ExecuteAsync(owner, "PUBSUB", "SHARDNUMSUB", "tako:sse:{" + channel + "}")).EndsWith('0'),
            "the sharded subscription to go");

        // And back again: a new browser after the release gets what follows.
        await using var again = await a.SubscribeAsync(channel);
        await a.ServingAsync(channel);
        await a.PublishAsync(channel, "later");
        (await again.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("later");
    }

    [SkippableFact]
    public async Task Sweep_QuietShardedChannelWhoseStreamHoldsAnEntryNeverAnnounced_CatchesTheChannelUp()
    {
        // An entry added to the stream by hand, with no announcement: what a deaf sharded subscription misses
        // (after a slot migration StackExchange.Redis can leave it on a node that no longer sends anything).
        // The first sweep notes what the subscription heard (the announced event), the second finds the channel
        // quiet, reads the stream's newest id, finds it past the cursor, and catches the channel up.
        var cluster = await shared.GetAsync();
        var channel = Unique("quiet");
        await using var a = await RedisApp.StartAsync(cluster);
        await using var reading = await a.SubscribeAsync(channel);
        await a.ServingAsync(channel);
        var announced = await a.PublishAsync(channel, "announced");
        (await reading.UntilCountAsync(1)).Single().Data.Should().Be("announced");
        var unannounced = await (await cluster.AdminAsync()).GetDatabase().StreamAddAsync(
            "tako:sse:{" + channel + "}",
            [new NameValueEntry("p", "{\"data\":\"unannounced\"}"), new NameValueEntry("v", announced)]);

        a.RedisHub.Sweep();
        a.RedisHub.Sweep();

        (await reading.UntilCountAsync(2)).Select(e => (e.EventId, e.Data)).Should().Equal((announced, "announced"), ((string)unannounced!, "unannounced"));
        await Poll.UntilAsync(() => a.Logs.GetSnapshot().Any(r => r.Id.Name == "SseRedisSubscriptionDeaf"), "the deaf subscription to be logged");
    }

    internal static string Unique(string name) => name + "-" + Guid.NewGuid().ToString("N")[..8];

    private static Action<IServiceCollection> Gated(RedisCluster cluster, RedisCallGate gate) => services =>
        services.Configure<TakoSseRedisOptions>(o =>
            o.ConnectionFactory = async log => GatedMultiplexer.Wrap(await ConnectionMultiplexer.ConnectAsync(cluster.Configuration(), log), gate));
}
