using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Cluster;

/// <summary>Keys, slots and the kind of pub/sub on a real Redis Cluster, against classic pub/sub on a standalone server.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ClusterPubSubTests(SharedCluster shared)
{
    [SkippableFact]
    public async Task PublishAsync_OnACluster_StreamAndAnnouncementShareTheChannelsSlotWithThePrefixApplied()
    {
        var cluster = await shared.GetAsync();
        await using var a = await RedisApp.StartAsync(cluster, keyPrefix: "slots:");
        await using var onA = await a.SubscribeAsync("orders");
        await a.ServingAsync("orders");

        var id = await a.PublishAsync("orders", "one");

        (await onA.UntilCountAsync(1)).Single().EventId.Should().Be(id);
        var slot = await cluster.SlotAsync("slots:{orders}");
        slot.Should().Be(await cluster.SlotAsync("orders"), "the hash tag is the channel's name, whatever the prefix");
        var owner = await cluster.MasterOfAsync(slot);
        (await cluster.ExecuteAsync(owner, "EXISTS", "slots:{orders}")).Should().Be("1");
        (await cluster.ExecuteAsync(owner, "PUBSUB", "SHARDNUMSUB", "slots:{orders}")).Should().EndWith("1", "the instance listens with SSUBSCRIBE on the slot's master");
        foreach (var node in cluster.Nodes)
        {
            (await cluster.ExecuteAsync(node, "PUBSUB", "NUMSUB", "slots:{orders}")).Should().EndWith("0", "no classic subscription anywhere");
        }
    }

    [SkippableFact]
    public async Task StartAsync_OnACluster_LogsShardedPubSubOnceAtInformation()
    {
        var cluster = await shared.GetAsync();
        await using var a = await RedisApp.StartAsync(cluster);
        await using var onA = await a.SubscribeAsync("mode");
        await a.ServingAsync("mode");
        await a.PublishAsync("mode", "x");
        await onA.UntilCountAsync(1);

        var entries = a.Logs.GetSnapshot().Where(r => r.Id.Id == 115).ToList();
        entries.Should().ContainSingle();
        entries[0].Level.Should().Be(LogLevel.Information);
        entries[0].Message.Should().Contain("cluster").And.Contain("sharded");
        a.RedisHub.PubSub.IsSharded.Should().BeTrue();
    }

    [SkippableFact]
    public async Task PublishAsync_ManyChannelsOnACluster_EachAnnouncementStaysOnItsOwnShard()
    {
        var cluster = await shared.GetAsync();
        await using var a = await RedisApp.StartAsync(cluster);
        await using var b = await RedisApp.StartAsync(cluster);
        var channels = Enumerable.Range(0, 12).Select(i => "spread" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var readings = new List<StreamReading>();
        foreach (var channel in channels)
        {
            readings.Add(await b.SubscribeAsync(channel));
            await b.ServingAsync(channel);
        }

        var masters = (await Task.WhenAll(channels.Select(async c => await cluster.MasterOfAsync(await cluster.SlotAsync(c))))).Distinct().ToList();
        masters.Should().HaveCountGreaterThan(1, "twelve channels spread over more than one master");
        foreach (var channel in channels)
        {
            await a.PublishAsync(channel, channel);
        }

        for (var i = 0; i < channels.Count; i++)
        {
            (await readings[i].UntilCountAsync(1)).Single().Data.Should().Be(channels[i]);
            await readings[i].DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task StartAsync_OnAStandaloneServer_LogsClassicPubSubAndSubscribesClassically()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var onA = await a.SubscribeAsync("plain");
        await a.ServingAsync("plain");

        await a.PublishAsync("plain", "x");

        (await onA.UntilCountAsync(1)).Single().Data.Should().Be("x");
        a.RedisHub.PubSub.IsSharded.Should().BeFalse();
        a.Logs.GetSnapshot().Where(r => r.Id.Id == 115).Should().ContainSingle().Which.Message.Should().Contain("classic");
        var numsub = (RedisResult[])(await redis.ExecuteAsync("PUBSUB", "NUMSUB", "tako:sse:{plain}"))!;
        ((long)numsub[1]).Should().Be(1);
    }
}
