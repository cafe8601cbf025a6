namespace Tako.Sse.Mvc.Testing;

// The tests' way to get a cluster: a test skips when redis-server or redis-cli is not installed, unless
// TAKO_REQUIRE_REDIS=1 (as in CI), where that is a failure. Kept apart from RedisCluster.cs, which the benchmarks
// link without xunit.
public sealed partial class RedisCluster
{
    /// <summary>Starts a cluster, or skips the test when there is no redis-server (fails it when TAKO_REQUIRE_REDIS=1).</summary>
    /// <param name="extraArguments">More redis-server arguments for every node.</param>
    public static async Task<RedisCluster> StartAsync(params string[] extraArguments)
    {
        if (await TryStartAsync(extraArguments) is { } cluster)
        {
            return cluster;
        }

        var message = "redis-server or redis-cli is not installed (Debian: apt-get install redis-server); the Redis Cluster tests need real ones.";
        if (Environment.GetEnvironmentVariable("TAKO_REQUIRE_REDIS") == "1")
        {
            throw new InvalidOperationException(message + " TAKO_REQUIRE_REDIS=1 makes that a failure.");
        }

        throw new SkipException(message);
    }
}
