namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Cluster;

/// <summary>The test cluster itself: what the other cluster tests rely on it to do.</summary>
public sealed class RedisClusterFixtureTests
{
    [SkippableFact]
    public async Task StartAsync_SixNodes_ThreeMastersServeEverySlotAndASlotMovesWithItsKeys()
    {
        await using var cluster = await RedisCluster.StartAsync();

        var masters = await cluster.MastersAsync();
        masters.Should().HaveCount(3);
        (await cluster.ReplicasAsync()).Should().HaveCount(3);
        var admin = await cluster.AdminAsync();
        var database = admin.GetDatabase();
        await database.StringSetAsync("{moving}a", "1");
        await database.StringSetAsync("{moving}b", "2");

        var slot = await cluster.SlotAsync("{moving}");
        var source = await cluster.MasterOfAsync(slot);
        var target = masters.First(m => m.Port != source.Port);
        await cluster.MigrateSlotAsync(slot, target);

        (await cluster.MasterOfAsync(slot)).Should().Be(target);
        (await cluster.ExecuteAsync(target, "CLUSTER", "COUNTKEYSINSLOT", slot.ToString(System.Globalization.CultureInfo.InvariantCulture))).Should().Be("2");
        ((string?)await database.StringGetAsync("{moving}b")).Should().Be("2");
    }
}
