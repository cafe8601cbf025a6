using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Cluster;

/// <summary>The backplane's health check on a real Redis Cluster with a master down.</summary>
public sealed class ClusterHealthTests
{
    [SkippableFact]
    public async Task CheckHealthAsync_MasterKilled_UnhealthyUntilItsReplicaIsPromotedThenHealthy()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var a = await RedisApp.StartAsync(cluster, services: StartupAndHealthTests.WithHealthCheck);
        await using var stream = await a.SubscribeAsync("health");
        await a.ServingAsync("health");
        var healthy = await StartupAndHealthTests.HealthAsync(a);
        healthy.Status.Should().Be(HealthStatus.Healthy, healthy.Description);
        healthy.Data["pubsub"].Should().Be("sharded");
        var master = (await cluster.MastersAsync())[1];

        await cluster.KillAsync(master);

        // Bound: within Poll.Deadline (30 s) each; in practice the connection drops at once and the
        // promotion takes the node timeout (1 s) and an election.
        await Poll.UntilAsync(async () => (await StartupAndHealthTests.HealthAsync(a)).Status == HealthStatus.Unhealthy, "the check to report the master down");
        (await StartupAndHealthTests.HealthAsync(a)).Description.Should().Contain(master.EndPoint);
        await cluster.WaitForPromotionAsync(master, Poll.Deadline);
        await Poll.UntilAsync(async () => (await StartupAndHealthTests.HealthAsync(a)).Status == HealthStatus.Healthy, "the check to report Healthy after the promotion");
    }
}
