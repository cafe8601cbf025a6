using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.Tests.Channels.Memory;

public class InMemorySseHubTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task PublishAsync_NoSubscriberAndNoHistory_KeepsNoChannel()
    {
        using var hub = TestHub.Create(_time, o => o.HistorySize = 0);

        var id = await hub.PublishAsync("nobody", SseEvent.FromData("x"));

        id.Should().Be(TestHub.Epoch + "-1");
        hub.ChannelCount.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_LastSubscriberOfChannelWithoutHistory_RemovesTheChannel()
    {
        using var hub = TestHub.Create(_time, o => o.HistorySize = 0);
        var subscriber = hub.Subscribe("brief");
        hub.GetSubscriberCount("brief").Should().Be(1);

        await subscriber.DisposeAsync();

        hub.GetSubscriberCount("brief").Should().Be(0);
        hub.ChannelCount.Should().Be(0);
    }

    [Fact]
    public async Task Sweep_100000IdleChannelsOlderThanMaxAge_RemovesThemAll()
    {
        using var hub = TestHub.Create(_time, o => o.HistoryMaxAge = TimeSpan.FromMinutes(5));
        for (var i = 0; i < 100_000; i++)
        {
            await hub.PublishAsync($"user:{i}", SseEvent.FromData("hello"));
        }

        hub.ChannelCount.Should().Be(100_000);
        _time.Advance(TimeSpan.FromMinutes(4));
        hub.ChannelCount.Should().Be(100_000, "nothing is older than the limit yet");

        // The sweep runs every quarter of the age limit, so a channel outlives its last event by at most that.
        _time.Advance(TimeSpan.FromMinutes(1) + hub.SweepPeriod!.Value);

        hub.ChannelCount.Should().Be(0);
    }

    [Fact]
    public async Task Sweep_ChannelWithSubscriber_KeepsItButTrimsItsHistory()
    {
        using var hub = TestHub.Create(_time, o => o.HistoryMaxAge = TimeSpan.FromSeconds(10));
        var old = await hub.PublishAsync("watched", SseEvent.FromData("old"));
        await hub.PublishAsync("watched", SseEvent.FromData("after old"));
        await using var subscriber = hub.Subscribe("watched");

        _time.Advance(TimeSpan.FromSeconds(20));

        hub.ChannelCount.Should().Be(1);
        await using var late = hub.Subscribe("watched", old);
        late.TakeReady().Should().ContainSingle().Which.Should().Contain("\"reason\":\"expired\"");
    }

    [Fact]
    public void SweepPeriod_NoAgeLimit_NoSweep()
    {
        using var hub = TestHub.Create(_time, o => o.HistoryMaxAge = null);

        hub.SweepPeriod.Should().BeNull();
        _time.Advance(TimeSpan.FromDays(1));
    }

    [Fact]
    public async Task PublishAsync_ReaderWaiting_ReaderContinuesOffThePublishersThread()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.Subscribe("wake");
        using var release = new ManualResetEventSlim();
        var pending = subscriber.MoveNextAsync();
        pending.IsCompleted.Should().BeFalse();

        // A continuation that blocks until released: run inline, it would block the publish below.
        var continuation = pending.AsTask().ContinueWith(_ => release.Wait(TimeSpan.FromSeconds(30)), TaskContinuationOptions.ExecuteSynchronously);
        await hub.PublishAsync("wake", SseEvent.FromData("x"));

        continuation.IsCompleted.Should().BeFalse("the publisher returned before the reader's continuation finished");
        release.Set();
        (await continuation).Should().BeTrue();
        subscriber.Current.Id.Should().Be(TestHub.Epoch + "-1");
    }

    [Fact]
    public async Task PublishAsync_DropOldestQueueFull_GapWithCountThenNewestInOrder()
    {
        using var hub = TestHub.Create(_time, o =>
        {
            o.SubscriberQueueSize = 2;
            o.SlowSubscriberPolicy = SseSlowSubscriberPolicy.DropOldest;
        });
        await using var subscriber = hub.Subscribe("q");
        await hub.PublishAsync("q", SseEvent.FromData("delivered"));
        subscriber.TakeReady().Should().ContainSingle();

        for (var i = 0; i < 5; i++)
        {
            await hub.PublishAsync("q", SseEvent.FromData($"e{i}"));
        }

        subscriber.TakeReady().Should().Equal(
            $"event: tako.gap\nid: {TestHub.Epoch}-4\ndata: {{\"lastEventId\":\"{TestHub.Epoch}-1\",\"reason\":\"dropped\",\"dropped\":3}}\n\n",
            $"id: {TestHub.Epoch}-5\ndata: e3\n\n",
            $"id: {TestHub.Epoch}-6\ndata: e4\n\n");
    }

    [Fact]
    public async Task PublishAsync_DisconnectQueueFull_AbortsOffThePublisherAndRemovesTheSubscriber()
    {
        using var hub = TestHub.Create(_time, o => o.SubscriberQueueSize = 2);
        using var aborted = new ManualResetEventSlim();
        await using var slow = hub.Subscribe("d", null, aborted.Set);
        await using var fast = hub.Subscribe("d");

        for (var i = 0; i < 3; i++)
        {
            await hub.PublishAsync("d", SseEvent.FromData($"e{i}"));
            fast.TakeReady().Should().ContainSingle();
        }

        aborted.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();
        hub.GetSubscriberCount("d").Should().Be(1);
        (await slow.MoveNextAsync()).Should().BeFalse("the refused subscriber's reader ends");
    }

    [Fact]
    public async Task Subscribe_MissedMoreThanTheQueueHolds_ReplaysAllWithoutTrippingThePolicy()
    {
        using var hub = TestHub.Create(_time, o => o.SubscriberQueueSize = 2);
        var first = await hub.PublishAsync("r", SseEvent.FromData("first"));
        for (var i = 0; i < 10; i++)
        {
            await hub.PublishAsync("r", SseEvent.FromData($"e{i}"));
        }

        await using var subscriber = hub.Subscribe("r", first);

        subscriber.TakeReady().Should().HaveCount(10);
        hub.GetSubscriberCount("r").Should().Be(1);
    }

    [Fact]
    public async Task PublishAsync_EventFields_EncodedOnceWithTheHubsIdInWireOrder()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.Subscribe("wire");

        await hub.PublishAsync("wire", SseEvent.FromData("a\nb").WithEvent("update").WithComment("c").WithRetry(TimeSpan.FromSeconds(2)));

        subscriber.TakeReady().Should().Equal($": c\nevent: update\nid: {TestHub.Epoch}-1\nretry: 2000\ndata: a\ndata: b\n\n");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\u0001")]
    public void GetSubscriberCount_BadName_ArgumentException(string name)
    {
        using var hub = TestHub.Create(_time);

        var count = () => hub.GetSubscriberCount(name);

        count.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("channel");
    }

    [Fact]
    public async Task SubscribeMany_DropOldestQueueFull_OneGapForTheSubscriptionAndTheCursorStaysAtWhatWasDelivered()
    {
        using var hub = TestHub.Create(_time, o =>
        {
            o.SubscriberQueueSize = 2;
            o.SlowSubscriberPolicy = SseSlowSubscriberPolicy.DropOldest;
        });
        await using var subscriber = hub.SubscribeMany(["a", "b"], null, () => { });
        subscriber.SkipPosition();
        var delivered = await hub.PublishAsync("a", SseEvent.FromData("delivered"));
        subscriber.TakeReady().Should().ContainSingle();
        var cursor = subscriber.Cursor!.ToString();

        for (var i = 0; i < 3; i++)
        {
            await hub.PublishAsync("a", SseEvent.FromData($"a{i}"));
            await hub.PublishAsync("b", SseEvent.FromData($"b{i}"));
        }

        var frames = subscriber.TakeReady();
        frames.Should().HaveCount(3, "a gap, then the two newest");
        frames[0].Should().Contain("event: tako.gap").And.Contain("\"reason\":\"dropped\",\"dropped\":4").And.NotContain("\"channel\"", "drops may span channels");
        frames[0].Should().Contain($"\"lastEventId\":\"{delivered}\"");
        frames[1..].Should().Equal(
            $"id: {TestHub.Epoch}-6\ndata: a2\n\n",
            $"id: {TestHub.Epoch}-7\ndata: b2\n\n");
        subscriber.Cursor.PositionOf(0).Should().Be($"{TestHub.Epoch}-6");
        subscriber.Cursor.PositionOf(1).Should().Be($"{TestHub.Epoch}-7");
        SseCursor.Parse(cursor)!.Should().ContainValue(delivered, "before the drops, the cursor was at what was delivered");
    }
}
