using System.Net;
using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>Redis stopped and started again (empty: no persistence), and Redis frozen with SIGSTOP.</summary>
public sealed class RedisOutageTests
{
    private static readonly Action<TakoSseOptions> ShortKeepAlive = o => o.KeepAlive = TimeSpan.FromMilliseconds(200);

    [SkippableFact]
    public async Task RedisStopped_PublishFailsClearly_StreamsStayOpenAndNewSubscribersGet200_ThenRestartedRecoversByItself()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, options: ShortKeepAlive);
        await using var b = await RedisApp.StartAsync(redis, options: ShortKeepAlive);
        await using var before = await b.SubscribeAsync("news");
        await b.ServingAsync("news");
        var oldId = await a.PublishAsync("news", "e0");
        await before.UntilCountAsync(1);

        await redis.StopAsync();

        // Publishing fails with StackExchange.Redis's own exception, within its timeout: no hang.
        await PublishShouldFailAsync(a.PublishAsync("news", "lost"));

        // Open streams stay open with keep-alives; new subscribers (fresh, or resuming) get a 200 stream.
        var keepAlives = KeepAliveCount(before);
        await Poll.UntilAsync(() => KeepAliveCount(before) > keepAlives + 2, "keep-alives during the outage");
        await using var during = await b.SubscribeAsync("news");
        await using var resumingDuring = await b.SubscribeAsync("news", oldId);
        await using var newChannelDuring = await b.SubscribeAsync("fresh");
        newChannelDuring.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        b.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 114, "a channel b could not place opened after the bounded wait, with a warning");
        during.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        resumingDuring.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        await during.UntilTextAsync(":keepalive");
        before.Ended.Should().BeFalse();

        // Back, empty: publishing works again without anyone doing anything.
        await redis.StartAgainAsync();
        string? newId = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    newId = await a.PublishAsync("news", "after");
                    return true;
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    return false;
                }
            },
            "publishing to work again");

        (await before.UntilAsync(e => e.Count >= 2, "the event after the restart")).Select(e => e.Data).Should().Equal("e0", "after");
        (await during.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("after");
        (await resumingDuring.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("after");

        // A channel first asked for during the outage is subscribed once Redis is back.
        await b.ServingAsync("fresh");
        await a.PublishAsync("fresh", "first");
        (await newChannelDuring.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("first");

        // An id from before the restart is one Redis no longer holds.
        await using var resumingAfter = await a.SubscribeAsync("news", oldId);
        var gap = (await resumingAfter.UntilCountAsync(1)).Single();
        gap.EventType.Should().Be("tako.gap");
        gap.EventId.Should().Be(newId);
    }

    [SkippableFact]
    public async Task RedisPaused_LongerThanTheTimeout_PublishTimesOutWithoutStarvingOrGrowing_ThenRecovers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis, options: ShortKeepAlive);
        await using var b = await RedisApp.StartAsync(redis, options: ShortKeepAlive);
        await using var before = await b.SubscribeAsync("ticks");
        await b.ServingAsync("ticks");
        await a.PublishAsync("ticks", "e0");
        await before.UntilCountAsync(1);
        var threadsBefore = ThreadPool.ThreadCount;
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        redis.Pause();
        try
        {
            // 200 publications at once, every one waiting on a frozen server: each fails on its own timeout
            // (1.5 s here), and none holds a thread while it waits.
            var publications = Enumerable.Range(0, 200).Select(i => a.PublishAsync("ticks", "frozen" + i)).ToList();
            foreach (var publication in publications)
            {
                await PublishShouldFailAsync(publication);
            }

            ThreadPool.ThreadCount.Should().BeLessThan(threadsBefore + 16, "waiting on Redis must not block pool threads");
            (await a.Client.GetStringAsync("/ping")).Should().Be("pong");
            await using var during = await b.SubscribeAsync("ticks");
            during.Response.StatusCode.Should().Be(HttpStatusCode.OK);
            await during.UntilTextAsync(":keepalive");
            var keepAlives = KeepAliveCount(before);
            await Poll.UntilAsync(() => KeepAliveCount(before) > keepAlives + 2, "keep-alives while Redis is frozen");

            // The failed publications left nothing behind: no per-event buffer grows while Redis is away.
            publications.Clear();
            (GC.GetTotalMemory(forceFullCollection: true) - memoryBefore).Should().BeLessThan(32L * 1024 * 1024);
        }
        finally
        {
            redis.Resume();
        }

        string? last = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    last = await a.PublishAsync("ticks", "after");
                    return true;
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    return false;
                }
            },
            "publishing to work again");

        // Publications that timed out may still have run once Redis thawed: whatever the stream holds, the old
        // stream delivers exactly that, in its order.
        var events = await before.UntilAsync(e => e.Any(x => x.EventId == last), "the event after the pause");
        var stream = (await (await redis.AdminAsync()).StreamRangeAsync("tako:sse:{ticks}")).Select(e => (string)e.Id!).ToList();
        events.Select(e => e.EventId).Should().Equal(stream.TakeWhile(id => id != last).Append(last));
    }

    /// <summary>
    /// A publication Redis cannot take fails within the configured timeout with StackExchange.Redis's own
    /// exception: <see cref="RedisConnectionException"/> (not connected: not published) or
    /// <see cref="RedisTimeoutException"/> (no answer in time).
    /// </summary>
    private static async Task PublishShouldFailAsync(Task<string> publication)
    {
        var wait = () => publication.WaitAsync(Poll.Deadline);
        var thrown = (await wait.Should().ThrowAsync<Exception>()).Which;
        thrown.Should().Match<Exception>(e => e is RedisConnectionException || e is RedisTimeoutException, thrown.ToString());
    }

    private static int KeepAliveCount(StreamReading reading) =>
        reading.Text.Split(":keepalive\n\n").Length - 1;
}
