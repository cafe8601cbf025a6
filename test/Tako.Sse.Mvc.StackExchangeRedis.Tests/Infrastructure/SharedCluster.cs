namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

/// <summary>
/// One cluster for the tests that leave it as they found it (each uses channels of its own), started on first
/// use and torn down after the collection: six redis-servers and a <c>--cluster create</c> cost a few seconds,
/// which the cluster tests' share of CI (at most two minutes) cannot pay per test. One entry per stream node
/// makes Redis's approximate trimming exact, for the gap tests. Tests that kill, migrate or
/// reset start a <see cref="RedisCluster"/> of their own.
/// </summary>
public sealed class SharedCluster : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RedisCluster? _cluster;

    public async Task<RedisCluster> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _cluster ??= await RedisCluster.StartAsync("--stream-node-max-entries", "1");
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is { } cluster)
        {
            await cluster.DisposeAsync();
        }
    }
}

/// <summary>The tests that share one <see cref="SharedCluster"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "Redis Cluster";
}
