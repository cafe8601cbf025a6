using System.Globalization;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>
/// Every key the hub writes goes away once its channel is idle, whatever the options: a burst of 10,000
/// channels, one event each, leaves no key behind. The lifetimes without an age limit (a day; a minute with
/// HistorySize 0) are shortened to a second here; the age limit is a second.
/// </summary>
public sealed class KeyLifetimeTests
{
    private const int Channels = 10_000;

    [SkippableTheory]
    [InlineData(0, false)]
    [InlineData(0, true)]
    [InlineData(1000, false)]
    [InlineData(1000, true)]
    public async Task PublishAsync_BurstOfTenThousandChannels_EveryKeyHasAnExpiryAndNoneIsLeftOnceIdle(int historySize, bool maxAge)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, c =>
        {
            c.HistorySize = historySize;
            c.HistoryMaxAge = maxAge ? TimeSpan.FromSeconds(1) : null;
        });
        a.RedisHub.KeyLifetime.WithoutAge = TimeSpan.FromSeconds(1);
        a.RedisHub.KeyLifetime.ChainOnly = TimeSpan.FromSeconds(1);

        for (var start = 0; start < Channels; start += 500)
        {
            await Task.WhenAll(Enumerable.Range(start, 500).Select(i => a.PublishAsync("user-" + i.ToString(CultureInfo.InvariantCulture), "{\"n\":1}")));
        }

        // Right after the burst: keys that all carry an expiry (INFO keyspace: keys=N,expires=N)...
        var keyspace = (string)(await redis.ExecuteAsync("INFO", "keyspace"))!;
        var db0 = keyspace.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith("db0:", StringComparison.Ordinal));
        if (db0 is not null)
        {
            var fields = db0["db0:".Length..].Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture));
            fields["expires"].Should().Be(fields["keys"], "every key the hub writes has an expiry");
        }

        // ...and, once idle, none (Redis's active expiry removes them without anyone reading them).
        await Poll.UntilAsync(async () => (long)(await redis.ExecuteAsync("DBSIZE")) == 0, "every key to expire");
    }
}
