using Microsoft.Extensions.Time.Testing;
using Tako.Sse.Mvc.Tests.Channels;

namespace Tako.Sse.Mvc.Tests.Backplane;

/// <summary>How a publish wakes a subscriber's waiting reader: the stream's wake signal inline, anyone else queued.</summary>
public sealed class SseSubscriberWakeTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Publish_ReaderIsAStreamsWakeSignal_SignalledBeforeThePublishReturns()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.Subscribe("news");
        using var signal = new SseStreamWakeSignal(_time);
        var read = subscriber.MoveNextAsync();
        read.IsCompleted.Should().BeFalse();
        WhenReady(read, signal.OnSourceReady);
        var woken = signal.WaitAsync(SseWakeReason.SourceReady);

        await hub.PublishAsync("news", SseEvent.FromData("one"));

        // The signal's callback ran on the publishing thread (it only queues the stream loop): no thread-pool
        // hop between the subscriber and the signal.
        woken.IsCompleted.Should().BeTrue("the wake signal's callback runs inline");
        (await woken).Should().Be(SseWakeReason.SourceReady);
        (await read).Should().BeTrue();
        subscriber.Current.IsEvent.Should().BeTrue();
    }

    [Fact]
    public async Task Publish_ReaderIsAnyOtherContinuation_ResumesOffThePublishingThread()
    {
        using var hub = TestHub.Create(_time);
        await using var subscriber = hub.Subscribe("news");
        var publishing = false;
        var publisherThread = 0;
        var ranInline = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = subscriber.MoveNextAsync();
        WhenReady(read, () => ranInline.SetResult(Volatile.Read(ref publishing) && Environment.CurrentManagedThreadId == publisherThread));

        publisherThread = Environment.CurrentManagedThreadId;
        Volatile.Write(ref publishing, true);
        await hub.PublishAsync("news", SseEvent.FromData("one"));
        Volatile.Write(ref publishing, false);

        (await ranInline.Task.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeFalse("a continuation that is not a wake signal never runs on the publisher's thread");
        (await read).Should().BeTrue();
    }

    // As the stream loop registers on its source: no context captured, the Action handed over as it is.
    private static void WhenReady(ValueTask<bool> read, Action continuation) =>
        read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);
}
