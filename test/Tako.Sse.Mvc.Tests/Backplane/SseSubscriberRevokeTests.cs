using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tako.Sse.Mvc.Tests.Channels;

namespace Tako.Sse.Mvc.Tests.Backplane;

/// <summary><see cref="SseSubscriber.Revoke"/>: a channel taken away from an open subscription.</summary>
public sealed class SseSubscriberRevokeTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SseRevokedFrames _revoked = new(new SseEncoder(Options.Create(new TakoSseOptions())), "tako.revoked");

    [Fact]
    public async Task Revoke_OneOfTwo_ItsQueuedFramesDroppedRevokedEventFirstThenTheOthers()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.SubscribeMany(["a", "b"], null, () => { });
        subscriber.TakeReady().Should().ContainSingle("the opening position");
        await hub.PublishAsync("a", SseEvent.FromData("a1"));
        await hub.PublishAsync("b", SseEvent.FromData("b1"));
        await hub.PublishAsync("a", SseEvent.FromData("a2"));

        subscriber.Revoke(1, _revoked.Create("b")).Should().Be(1);
        await hub.PublishAsync("b", SseEvent.FromData("b2"));

        hub.GetSubscriberCount("b").Should().Be(0);
        hub.GetSubscriberCount("a").Should().Be(1);
        var frames = subscriber.TakeReady();
        frames.Should().HaveCount(3);
        frames[0].Should().Be("event: tako.revoked\ndata: {\"channel\":\"b\"}\n\n");
        frames[1].Should().Contain("data: a1");
        frames[2].Should().Contain("data: a2");
        subscriber.Cursor!.ToString().Should().NotContain(SseCursor.Key("b"), "the revoked channel leaves the cursor");
        subscriber.Cursor.ToString().Should().Contain(SseCursor.Key("a"));
    }

    [Fact]
    public async Task Revoke_TheOnlyChannel_RevokedEventThenTheEnd()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.Subscribe("only");
        await hub.PublishAsync("only", SseEvent.FromData("queued, no longer allowed"));

        subscriber.Revoke(0, _revoked.Create("only")).Should().Be(0);

        hub.GetSubscriberCount("only").Should().Be(0);
        (await subscriber.MoveNextAsync()).Should().BeTrue();
        Encoding.UTF8.GetString(subscriber.Current.Bytes).Should().Be("event: tako.revoked\ndata: {\"channel\":\"only\"}\n\n");
        var next = subscriber.MoveNextAsync();
        next.IsCompleted.Should().BeTrue("nothing is left to wait for");
        (await next).Should().BeFalse("a subscription with no channel left ends");
    }

    [Fact]
    public async Task Revoke_HeldByABackplane_RevokedChannelsFramesLeftOutOfTheReleaseAndTheLastEndsTheHold()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.SubscribeMany(["a", "b"], null, () => { });
        subscriber.TakeReady().Should().ContainSingle("the opening position");
        subscriber.Hold();
        var missedA = SseChannelFrame.Position("1", "a");
        var missedB = SseChannelFrame.Position("2", "b");

        subscriber.Revoke(1, _revoked.Create("b")).Should().Be(1);
        subscriber.TakeReady().Should().BeEmpty("a held subscriber hands nothing out");
        subscriber.Release(null, [missedA, missedB]);

        var frames = subscriber.TakeReady();
        frames.Should().Equal("event: tako.revoked\ndata: {\"channel\":\"b\"}\n\n", "id: 1\n\n");

        subscriber.Hold();
        subscriber.Revoke(0, _revoked.Create("a")).Should().Be(0);
        subscriber.TakeReady().Should().Equal("event: tako.revoked\ndata: {\"channel\":\"a\"}\n\n");
        (await subscriber.MoveNextAsync()).Should().BeFalse("no channel left: no release to wait for");
    }

    [Fact]
    public async Task Revoke_TwiceOrAfterTheEnd_DoesNothing()
    {
        using var hub = TestHub.Create(_time);
        var subscriber = hub.SubscribeMany(["a", "b"], null, () => { });

        subscriber.Revoke(0, _revoked.Create("a")).Should().Be(1);
        subscriber.Revoke(0, _revoked.Create("a")).Should().Be(-1);
        await subscriber.DisposeAsync();
        subscriber.Revoke(1, _revoked.Create("b")).Should().Be(-1);

        hub.GetSubscriberCount("a").Should().Be(0);
        hub.GetSubscriberCount("b").Should().Be(0, "the response's end left the channel that was not revoked");
    }

    [Fact]
    public void Create_ChannelNameWithQuotes_EscapedIntoOneJsonField()
    {
        var frame = _revoked.Create("a\"b\\c");

        Encoding.UTF8.GetString(frame.Bytes).Should().Be("event: tako.revoked\ndata: {\"channel\":\"a\\u0022b\\\\c\"}\n\n");
        frame.IsEvent.Should().BeFalse();
        frame.Channel.Should().Be("a\"b\\c");
    }
}
