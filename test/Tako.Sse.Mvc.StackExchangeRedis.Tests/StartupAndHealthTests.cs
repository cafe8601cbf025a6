using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>The connection opened while the host starts, and the backplane's health check, against a real redis-server stopped and started.</summary>
public sealed class StartupAndHealthTests
{
    [SkippableFact]
    public async Task StartAsync_RedisUp_ConnectedAndHealthyBeforeTheFirstRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, services: WithHealthCheck);

        a.Multiplexer.Should().NotBeNull("the connection opens while the host starts, not on first use");
        a.Multiplexer!.IsConnected.Should().BeTrue();
        a.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 115, "the kind of pub/sub is known at start-up");
        var report = await HealthAsync(a);
        report.Status.Should().Be(HealthStatus.Healthy, report.Description);
    }

    [SkippableFact]
    public async Task StartAsync_RedisDown_StartsUnhealthyThenDegradedWhileCatchingUpThenHealthy()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();

        // Start-up does not fail, and waits one connect timeout at most (2 s here).
        await using var a = await RedisApp.StartAsync(redis, services: WithHealthCheck);
        var down = await HealthAsync(a);
        down.Status.Should().Be(HealthStatus.Unhealthy);
        down.Description.Should().Contain("cannot be reached");
        await using var stream = await a.SubscribeAsync("waiting");

        await redis.StartAgainAsync();

        // Back: degraded while the reconnect's catch-up is due (the recheck two sweeps, 5-10 s, later), then healthy.
        var statuses = new List<HealthStatus>();
        await Poll.UntilAsync(async () => (await HealthAsync(a)).Status is var s && Record(statuses, s) == HealthStatus.Healthy, "the check to report Healthy");
        statuses.SkipWhile(s => s == HealthStatus.Unhealthy).First().Should().Be(HealthStatus.Degraded, "between Unhealthy and Healthy: " + string.Join(", ", statuses.Distinct()));
        await a.ServingAsync("waiting");
        await a.PublishAsync("waiting", "late");
        (await stream.UntilCountAsync(1)).Single().Data.Should().Be("late");
    }

    [SkippableFact]
    public async Task CheckHealthAsync_RedisStoppedWhileRunning_UnhealthyThenBackWhenItStartsAgain()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, services: WithHealthCheck);
        (await HealthAsync(a)).Status.Should().Be(HealthStatus.Healthy);

        await redis.StopAsync();
        await Poll.UntilAsync(async () => (await HealthAsync(a)).Status == HealthStatus.Unhealthy, "the check to report Unhealthy");

        await redis.StartAgainAsync();
        await Poll.UntilAsync(async () => (await HealthAsync(a)).Status != HealthStatus.Unhealthy, "the check to report Redis back");
        await a.PublishAsync("after", "x");
    }

    internal static void WithHealthCheck(IServiceCollection services) => services.AddHealthChecks().AddTakoSseRedis();

    internal static async Task<HealthReportEntry> HealthAsync(RedisApp app) =>
        (await app.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[TakoSseRedisHealthChecksBuilderExtensions.DefaultName];

    private static HealthStatus Record(List<HealthStatus> statuses, HealthStatus status)
    {
        statuses.Add(status);
        return status;
    }
}
