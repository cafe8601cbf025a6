using System.Text.Json;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>
/// Positions and streams of several channels on the Redis hub: every stream opens with its position, and a
/// cursor taken on one instance resumes every channel exactly on another.
/// </summary>
public sealed class MultiChannelTests
{
    [SkippableFact]
    public async Task Subscribe_WithoutAnId_OpensWithItsPositionAndAReconnectFromItMissesNothing()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);
        var before = await a.PublishAsync("placed", "before");

        string position;
        await using (var first = await b.SubscribeAsync("placed"))
        {
            await first.UntilTextAsync("\n\n");
            first.Text.Should().StartWith($"id: {before}\n\n", "the stream opens with the channel's newest id, no event");
            position = before;
        }

        await a.PublishAsync("placed", 3, "since");
        await using var resumed = await a.SubscribeAsync("placed", position);
        (await resumed.UntilCountAsync(3)).Select(e => e.Data).Should().Equal("since0", "since1", "since2");
    }

    [SkippableFact]
    public async Task Subscribe_ChannelWithNoEntryYet_OpensAtZeroAndResumesFromTheFirstEntry()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);

        await using (var first = await a.SubscribeAsync("fresh"))
        {
            await first.UntilTextAsync("\n\n");
            first.Text.Should().StartWith("id: 0-0\n\n");
        }

        await a.PublishAsync("fresh", 2, "e");
        await using var resumed = await a.SubscribeAsync("fresh", "0-0");
        (await resumed.UntilCountAsync(2)).Select(e => e.Data).Should().Equal("e0", "e1");
    }

    [SkippableFact]
    public async Task SubscribeMany_CursorFromInstanceA_ResumesEveryChannelExactlyOnInstanceB()
    {
        string[] channels = ["x1", "x2", "x3"];
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);

        await ResumeOnOtherInstanceAsync(a, b, channels);
    }

    /// <summary>
    /// A stream of <paramref name="channels"/> on <paramref name="a"/> sees one event of each; two more of each are
    /// published while it is away; its cursor resumes it on <paramref name="b"/> (the list in another order) with
    /// exactly those, then live events, with no gap.
    /// </summary>
    internal static async Task ResumeOnOtherInstanceAsync(RedisApp a, RedisApp b, IReadOnlyList<string> channels)
    {
        string cursor;
        await using (var onA = await a.SubscribeManyAsync([.. channels]))
        {
            await onA.UntilTextAsync("id: t1");
            foreach (var channel in channels)
            {
                await b.PublishAsync(channel, channel + ":0");
            }

            var seen = await onA.UntilCountAsync(channels.Count);
            seen.Should().OnlyContain(e => e.EventId!.StartsWith("t1", StringComparison.Ordinal));
            cursor = seen[^1].EventId!;
        }

        foreach (var channel in channels)
        {
            await a.PublishAsync(channel, 2, channel + ":missed");
        }

        await using var onB = await b.SubscribeManyAsync([.. channels.Reverse()], cursor);
        foreach (var channel in channels)
        {
            await a.PublishAsync(channel, channel + ":live");
        }

        var events = await onB.UntilCountAsync(3 * channels.Count);
        events.Should().NotContain(e => e.EventType == "tako.gap");
        foreach (var channel in channels)
        {
            events.Select(e => e.Data).Where(d => d.StartsWith(channel + ":", StringComparison.Ordinal))
                .Should().Equal(channel + ":missed0", channel + ":missed1", channel + ":live");
        }
    }

    [SkippableFact]
    public async Task SubscribeMany_OneChannelTrimmedPastItsPosition_ItsOwnGapTheOthersResume()
    {
        await using var redis = await RedisServer.StartAsync("--stream-node-max-entries", "1");
        await using var a = await RedisApp.StartAsync(redis, c => c.HistorySize = 2);

        string cursor;
        await using (var first = await a.SubscribeManyAsync(["busy", "calm"]))
        {
            await first.UntilTextAsync("id: t1");
            await a.PublishAsync("busy", "b0");
            await a.PublishAsync("calm", "c0");
            cursor = (await first.UntilCountAsync(2))[^1].EventId!;
        }

        await a.PublishAsync("busy", 6, "b-later");
        await a.PublishAsync("calm", "c1");
        await using var resumed = await a.SubscribeManyAsync(["busy", "calm"], cursor);

        var events = await resumed.UntilAsync(e => e.Count >= 2 && e.Exists(x => x.Data == "c1"), "the gap and calm's event");
        var gap = events.Should().ContainSingle(e => e.EventType == "tako.gap").Which;
        using var json = JsonDocument.Parse(gap.Data);
        json.RootElement.GetProperty("channel").GetString().Should().Be("busy");
        json.RootElement.GetProperty("reason").GetString().Should().Be("expired");
        events.Where(e => e.EventType != "tako.gap").Select(e => e.Data).Should().Equal("c1");
    }
}
