using System.Diagnostics;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// Faults of a real Redis Cluster while publishing goes on: a master killed until its replica is promoted, a
/// slot migrated to another master, a node reset. Each test has a cluster of its own, and states its bound on
/// time; the cluster's node timeout is <see cref="RedisCluster.NodeTimeoutMs"/>.
/// </summary>
public sealed class ClusterFaultTests
{
    // Promotion takes about the node timeout plus an election (1-3 s here); 20 s is the bound.
    private static readonly TimeSpan PromotionBound = TimeSpan.FromSeconds(20);

    // After the fault is over, publishing must succeed again and every stream catch up within this.
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task MasterKilled_WhilePublishing_SubscribersGetEveryKeptEventInOrderAndPublishingFailsClearlyThenRecovers()
    {
        await using var cluster = await RedisCluster.StartAsync();
        const string channel = "failover";
        await using var a = await RedisApp.StartAsync(cluster);
        await using var b = await RedisApp.StartAsync(cluster);
        await using var onA = await a.SubscribeAsync(channel);
        await using var onB = await b.SubscribeAsync(channel);
        await a.ServingAsync(channel);
        await b.ServingAsync(channel);
        var master = await cluster.MasterOfAsync(await cluster.SlotAsync(channel));
        await using var publishing = new ClusterPublishing(a, channel);
        await publishing.MoreAsync(50, RecoveryBound);

        var killedAt = publishing.Elapsed;
        await cluster.KillAsync(master);
        var timer = Stopwatch.StartNew();
        await cluster.WaitForPromotionAsync(master, PromotionBound);
        var promotedAfter = timer.Elapsed;
        await publishing.MoreAsync(50, RecoveryBound);
        await publishing.StopAsync();

        promotedAfter.Should().BeLessThan(PromotionBound);
        publishing.Failures.Should().OnlyContain(f => f.At >= killedAt, "publishing fails only once the master is gone");
        publishing.Failures.Should().NotBeEmpty("publishing to the dead master's slots fails until its replica serves them");
        publishing.Failures.Should().OnlyContain(f => f.Error is StackExchange.Redis.RedisException || f.Error is TimeoutException, "StackExchange.Redis's own exceptions, as during any outage");
        await publishing.AssertDeliveredAsync(cluster, onA, onB);
    }

    [SkippableFact]
    public async Task SlotMigrated_WhilePublishing_NothingLostNothingDuplicated()
    {
        await using var cluster = await RedisCluster.StartAsync();
        const string channel = "moving";
        await using var a = await RedisApp.StartAsync(cluster);
        await using var b = await RedisApp.StartAsync(cluster);
        await using var onA = await a.SubscribeAsync(channel);
        await using var onB = await b.SubscribeAsync(channel);
        await a.ServingAsync(channel);
        await b.ServingAsync(channel);
        var slot = await cluster.SlotAsync(channel);
        var source = await cluster.MasterOfAsync(slot);
        var target = (await cluster.MastersAsync()).First(m => m.Port != source.Port);
        await using var publishing = new ClusterPublishing(a, channel);
        await publishing.MoreAsync(50, RecoveryBound);

        // Bound: the migration of one slot with one key, 20 s (MigrateSlotAsync's own wait).
        await cluster.MigrateSlotAsync(slot, target);
        await publishing.MoreAsync(50, RecoveryBound);
        await publishing.StopAsync();

        (await cluster.MasterOfAsync(slot)).Should().Be(target);
        await publishing.AssertDeliveredAsync(cluster, onA, onB);
        foreach (var reading in new[] { onA, onB })
        {
            reading.Events().Should().NotContain(e => e.EventType == "tako.gap", "a migration keeps every entry");
        }

        // Each instance noticed that its subscription moved with the slot, or that it was left deaf on the old
        // node (StackExchange.Redis does not always follow the migration), and caught the channel up: what was
        // announced on the new node before the subscription reached it is not lost on a channel gone quiet.
        foreach (var app in new[] { a, b })
        {
            await Poll.UntilAsync(
                () => app.Logs.GetSnapshot().Any(r => r.Id.Name is "SseRedisSubscriptionMoved" or "SseRedisSubscriptionDeaf"),
                "the sweep to notice the moved or deaf subscription");
        }
    }

    [SkippableFact]
    public async Task NodeReset_WhilePublishing_TheApplicationGoesOnDelivering()
    {
        await using var cluster = await RedisCluster.StartAsync();
        const string channel = "resetting";
        await using var a = await RedisApp.StartAsync(cluster);
        await using var b = await RedisApp.StartAsync(cluster);
        await using var onB = await b.SubscribeAsync(channel);
        await b.ServingAsync(channel);
        var master = await cluster.MasterOfAsync(await cluster.SlotAsync(channel));
        await using var publishing = new ClusterPublishing(a, channel);
        await publishing.MoreAsync(20, RecoveryBound);

        // A master with keys cannot be reset (Redis refuses): reset a replica, which forgets the cluster.
        var replica = (await cluster.ReplicasAsync()).First();
        await cluster.ResetAsync(replica);
        await publishing.MoreAsync(50, RecoveryBound);
        await publishing.StopAsync();

        (await cluster.MasterOfAsync(await cluster.SlotAsync(channel))).Should().Be(master);
        await publishing.AssertDeliveredAsync(cluster, onB);
        (await a.Client.GetStringAsync("/ping")).Should().Be("pong");
    }
}
