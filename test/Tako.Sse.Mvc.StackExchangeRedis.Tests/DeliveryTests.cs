using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>Publishing on one instance, delivering on every instance, through a real redis-server.</summary>
public sealed class DeliveryTests
{
    [SkippableFact]
    public async Task PublishAsync_OnOneOfTwoInstances_EverySubscriberOnBothGetsEveryEventInOneOrder()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);
        await using var onA = await a.SubscribeAsync("orders");
        await using var onB1 = await b.SubscribeAsync("orders");
        await using var onB2 = await b.SubscribeAsync("orders");
        await a.ServingAsync("orders");
        await b.ServingAsync("orders");

        // Both instances publish at once: whatever the interleaving, Redis gives it one order.
        var fromA = a.PublishAsync("orders", 50, "a");
        var fromB = b.PublishAsync("orders", 50, "b");
        var ids = (await fromA).Concat(await fromB).ToList();

        var expected = await onA.UntilCountAsync(100);
        (await onB1.UntilCountAsync(100)).Select(e => (e.EventId, e.Data)).Should().Equal(expected.Select(e => (e.EventId, e.Data)));
        (await onB2.UntilCountAsync(100)).Select(e => (e.EventId, e.Data)).Should().Equal(expected.Select(e => (e.EventId, e.Data)));
        expected.Select(e => e.EventId).Should().BeEquivalentTo(ids);
        expected.Where(e => e.Data.StartsWith('a')).Select(e => e.Data).Should().Equal(Enumerable.Range(0, 50).Select(i => "a" + i));
        expected.Where(e => e.Data.StartsWith('b')).Select(e => e.Data).Should().Equal(Enumerable.Range(0, 50).Select(i => "b" + i));

        // The SSE ids are the stream's entry ids, in the stream's order.
        var stream = await (await redis.AdminAsync()).StreamRangeAsync("tako:sse:{orders}");
        stream.Select(e => (string)e.Id!).Should().Equal(expected.Select(e => e.EventId));
    }

    [SkippableFact]
    public async Task PublishAsync_ManyBrowsersOnTwoInstances_OnePubSubSubscriptionPerInstance()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);
        var readings = new List<StreamReading>();
        for (var i = 0; i < 5; i++)
        {
            readings.Add(await a.SubscribeAsync("room"));
            readings.Add(await b.SubscribeAsync("room"));
        }

        await a.ServingAsync("room");
        await b.ServingAsync("room");
        var subscriptions = await redis.ExecuteAsync("PUBSUB", "NUMSUB", "tako:sse:{room}");
        ((long)((RedisResult[])subscriptions!)[1]).Should().Be(2);

        await a.PublishAsync("room", "hello");
        foreach (var reading in readings)
        {
            (await reading.UntilCountAsync(1)).Single().Data.Should().Be("hello");
            await reading.DisposeAsync();
        }

        a.Hub.GetSubscriberCount("room").Should().BeLessThanOrEqualTo(5);
    }

    [SkippableFact]
    public async Task PublishAsync_EventWithNameCommentRetryAndLineBreaks_ArrivesIntactOnTheOtherInstance()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);
        await using var onB = await b.SubscribeAsync("news");
        await b.ServingAsync("news");

        var id = await a.Hub.PublishAsync("news", SseEvent.FromData("line 1\r\nline 2\n\u00e9\u4e2d\ud83d\ude00").WithEvent("headline").WithComment("c").WithRetry(TimeSpan.FromSeconds(3)));

        var item = (await onB.UntilCountAsync(1)).Single();
        item.EventType.Should().Be("headline");
        item.Data.Should().Be("line 1\nline 2\n\u00e9\u4e2d\ud83d\ude00");
        item.EventId.Should().Be(id);
        item.ReconnectionInterval.Should().Be(TimeSpan.FromSeconds(3));
        onB.Text.Should().Contain(": c\nevent: headline\nid: " + id + "\nretry: 3000\n");
    }

    [SkippableFact]
    public async Task PublishAsync_EventWithId_ThrowsArgumentExceptionAndPublishesNothing()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);

        var publish = () => a.Hub.PublishAsync("x", SseEvent.FromData("d").WithId("1")).AsTask();
        var badName = () => a.Hub.PublishAsync("bad\nname", SseEvent.FromData("d")).AsTask();

        await publish.Should().ThrowAsync<ArgumentException>();
        await badName.Should().ThrowAsync<ArgumentException>();
        (await (await redis.AdminAsync()).KeyExistsAsync("tako:sse:{x}")).Should().BeFalse();
    }

    [SkippableFact]
    public async Task PublishAsync_ThreeSubscribersOnAnInstance_EncodedOnceThere()
    {
        await using var redis = await RedisServer.StartAsync();
        var counting = new CountingEncoder();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis, services: counting.Decorate);
        var readings = new[] { await b.SubscribeAsync("once"), await b.SubscribeAsync("once"), await b.SubscribeAsync("once") };
        await b.ServingAsync("once");

        await a.PublishAsync("once", "payload");
        foreach (var reading in readings)
        {
            (await reading.UntilCountAsync(1)).Single().Data.Should().Be("payload");
            await reading.DisposeAsync();
        }

        counting.Encodes.Should().Be(1);
    }

    [SkippableFact]
    public async Task Subscribe_PublishedWhileTheInstanceSubscribes_ReachesTheSubscriber()
    {
        await using var redis = await RedisServer.StartAsync();
        var gate = new RedisCallGate(nameof(ISubscriber.SubscribeAsync));
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis, services: Gated(redis, gate));
        await a.PublishAsync("news", "before");

        // The browser on b has its 200 stream (onopen) while b's SUBSCRIBE to the channel is still on its way:
        // b has read where the channel stands, so it can promise every later event.
        await using var onB = await b.SubscribeAsync("news");
        await gate.Reached.Task.WaitAsync(Poll.Deadline);
        await a.PublishAsync("news", "meanwhile");
        gate.Open.SetResult();
        await b.ServingAsync("news");
        await a.PublishAsync("news", "after");

        // Everything published after the browser subscribed reaches it, in order, and nothing from before.
        (await onB.UntilCountAsync(2)).Select(e => e.Data).Should().Equal("meanwhile", "after");
    }

    [SkippableFact]
    public async Task Subscribe_FirstOfAChannelOnAnInstance_ResponseOpensOnlyOnceTheInstanceKnowsWhereTheChannelStands()
    {
        await using var redis = await RedisServer.StartAsync();
        var gate = new RedisCallGate(nameof(IDatabaseAsync.StreamRangeAsync));
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis, services: Gated(redis, gate));
        b.RedisHub.OpeningWait = Poll.Deadline;
        await a.PublishAsync("news", "before");

        // b holds the browser's request while it reads the channel's newest id: an event published now would not
        // reach a response that had opened already (EventSource's onopen), so the response has not opened.
        var opening = b.SubscribeAsync("news");
        await gate.Reached.Task.WaitAsync(Poll.Deadline);
        await Poll.UntilAsync(() => opening.IsCompleted || b.RedisHub.OpeningsWaiting == 1, "the response to wait, or open");
        opening.IsCompleted.Should().BeFalse("the response must not open before b knows where the channel stands");
        b.Hub.GetSubscriberCount("news").Should().Be(1);
        await a.PublishAsync("news", "before the response opened");

        gate.Open.SetResult();
        await using var onB = await opening;
        await a.PublishAsync("news", "after");

        // Everything published after the response opened, and nothing from before the read.
        (await onB.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("after");
        b.RedisHub.OpeningsWaiting.Should().Be(0);
    }

    [SkippableFact]
    public async Task Subscribe_ClientLeavesWhileTheResponseWaitsToOpen_SubscriberRemovedAndTheChannelServedLater()
    {
        await using var redis = await RedisServer.StartAsync();
        var gate = new RedisCallGate(nameof(IDatabaseAsync.StreamRangeAsync));
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis, services: Gated(redis, gate));
        b.RedisHub.OpeningWait = Poll.Deadline;

        using (var leaving = new CancellationTokenSource())
        {
            var opening = b.SubscribeAsync("news", cancellationToken: leaving.Token);
            await gate.Reached.Task.WaitAsync(Poll.Deadline);
            await Poll.UntilAsync(() => b.RedisHub.OpeningsWaiting == 1, "the response to wait");
            await leaving.CancelAsync();
            await FluentActions.Awaiting(() => opening).Should().ThrowAsync<OperationCanceledException>();
        }

        // The request ended while it waited: nothing of it stays, and the channel works once Redis answers.
        await Poll.UntilAsync(() => b.Hub.GetSubscriberCount("news") == 0 && b.RedisHub.OpeningsWaiting == 0, "the waiting subscriber to be removed");
        gate.Open.SetResult();
        await using var onB = await b.SubscribeAsync("news");
        await b.ServingAsync("news");
        await a.PublishAsync("news", "later");
        (await onB.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("later");
    }

    [SkippableFact]
    public async Task Subscribe_RightAfterTheInstanceReleasedTheChannel_StillGetsEveryLaterEvent()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await RedisApp.StartAsync(redis);
        await using var b = await RedisApp.StartAsync(redis);

        // Each round: b releases the channel (two idle sweeps, run here at once) and a browser asks for it again
        // while b is still getting off it, so b's UNSUBSCRIBE and its new SUBSCRIBE meet.
        for (var round = 0; round < 20; round++)
        {
            await using (var leaving = await b.SubscribeAsync("news"))
            {
                await b.ServingAsync("news");
            }

            await Poll.UntilAsync(() => b.Hub.GetSubscriberCount("news") == 0, "the subscriber to leave");
            b.RedisHub.Sweep();
            b.RedisHub.Sweep();
            await using var next = await b.SubscribeAsync("news");
            await b.ServingAsync("news");
            await a.PublishAsync("news", "round " + round);
            (await next.UntilCountAsync(1)).Select(e => e.Data).Should().Equal("round " + round);
        }
    }

    private static Action<IServiceCollection> Gated(RedisServer redis, RedisCallGate gate) => services =>
        services.Configure<TakoSseRedisOptions>(o =>
            o.ConnectionFactory = async log => GatedMultiplexer.Wrap(await ConnectionMultiplexer.ConnectAsync(redis.Configuration(), log), gate));
}
