namespace Tako.Sse.Mvc.Testing;

// The tests' way to get a server: a test skips when redis-server is not installed, unless TAKO_REQUIRE_REDIS=1
// (as in CI), where that is a failure. Kept apart from RedisServer.cs, which the benchmarks link without xunit.
public sealed partial class RedisServer
{
    private const string RequireVariable = "TAKO_REQUIRE_REDIS";

    /// <summary>Starts a server, or skips the test when there is no redis-server (fails it when TAKO_REQUIRE_REDIS=1).</summary>
    /// <param name="extraArguments">More redis-server arguments, such as <c>--stream-node-max-entries 1</c>.</param>
    public static async Task<RedisServer> StartAsync(params string[] extraArguments)
    {
        if (await TryStartAsync(extraArguments) is { } server)
        {
            return server;
        }

        var message = "redis-server is not installed (Debian: apt-get install redis-server); the Redis hub tests need a real one.";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            throw new InvalidOperationException(message + $" {RequireVariable}=1 makes that a failure.");
        }

        throw new SkipException(message);
    }
}
