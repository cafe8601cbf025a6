using Microsoft.Extensions.Time.Testing;
using Tako.Sse.Mvc.Tests.Channels;

namespace Tako.Sse.Mvc.Tests.Backplane;

/// <summary>
/// A publish to thousands of subscribers hands the frame out a batch at a time, outside the channel's lock:
/// these tests stop a publish after its first batch and show what can happen meanwhile.
/// </summary>
public class SseSubscriberSetTests
{
    private const int Subscribers = 5_000;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Subscribe_DuringAPublishToThousands_JoinsWithoutWaitingForIt_AndNeitherMissesNorDoublesTheEvent()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => hub.Subscribe("c")).ToList();
        var before = await hub.PublishAsync("c", SseEvent.FromData("zero"));
        subscribers.ForEach(s => s.TakeReady().Should().ContainSingle());
        await using var publish = PausedPublish.Start(hub, "c", "one");

        // The publish has handed its frame to one batch and waits: a join that needed the lock for the whole
        // fan-out could not finish now.
        var resumer = Task.Run(() => hub.Subscribe("c", before));
        var live = Task.Run(() => hub.Subscribe("c"));
        await Within(Task.WhenAll(resumer, live), "a subscriber joins while a publish to thousands is under way");

        // Two of the first subscribers, not handed the event yet, leave: the two who joined, last in the set,
        // take their places, in the part of the set the publish has still to go through.
        var leaving = subscribers[..2];
        await Within(Task.Run(() => leaving.ForEach(s => s.DisposeAsync().AsTask().Wait())), "subscribers leave during the publish");

        await publish.ResumeAsync();
        await hub.PublishAsync("c", SseEvent.FromData("two"));

        Data(await resumer).Should().Equal(["one", "two"], "the event published as it joined comes once, from history");
        Data(await live).Should().Equal(["two"], "a live join starts after the event published before it joined");
        subscribers.Except(leaving).Should().OnlyContain(s => Data(s).SequenceEqual(new[] { "one", "two" }));
    }

    [Fact]
    public async Task Leave_DuringAPublishToThousands_TheOthersGetTheEventExactlyOnce()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => hub.Subscribe("c")).ToList();
        await using var publish = PausedPublish.Start(hub, "c", "one");

        // Leaving members are replaced by the last one: some not yet handed the frame, some handed it already.
        var leaving = subscribers.Take(100).Concat(subscribers.TakeLast(100)).Concat(subscribers.Skip(2_000).Take(100)).ToList();
        var leave = Task.Run(async () =>
        {
            foreach (var subscriber in leaving)
            {
                await subscriber.DisposeAsync();
            }
        });
        await Within(leave, "subscribers leave while a publish to thousands is under way");

        await publish.ResumeAsync();
        await hub.PublishAsync("c", SseEvent.FromData("two"));

        hub.GetSubscriberCount("c").Should().Be(Subscribers - leaving.Count);
        subscribers.Except(leaving).Should().OnlyContain(s => Data(s).SequenceEqual(new[] { "one", "two" }));
    }

    [Fact]
    public async Task PublishAsync_FromAnotherThreadDuringAPublishToThousands_ReturnsAndEverySubscriberSeesOneOrder()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => hub.Subscribe("c")).ToList();
        await using var publish = PausedPublish.Start(hub, "c", "one");

        // The paused publisher is delivering: the next publishes queue behind its frame and return.
        var others = Task.Run(async () =>
        {
            for (var i = 2; i <= 4; i++)
            {
                await hub.PublishAsync("c", SseEvent.FromData($"e{i}"));
            }
        });
        await Within(others, "a publisher does not wait for another's fan-out");

        await publish.ResumeAsync();
        subscribers.Should().OnlyContain(s => Data(s).SequenceEqual(new[] { "one", "e2", "e3", "e4" }));
    }

    private static async Task Within(Task task, string because)
    {
        (await Task.WhenAny(task, Task.Delay(s_deadline))).Should().BeSameAs(task, because);
        await task;
    }

    // The data of every event ready now (an id-only position frame has none).
    private static List<string> Data(SseSubscriber subscriber) =>
        subscriber.TakeReady().SelectMany(frame => frame.Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).Select(line => line[6..])).ToList();

    /// <summary>A publish on another thread, stopped by the set after its first batch until resumed.</summary>
    private sealed class PausedPublish : IAsyncDisposable
    {
        private readonly ManualResetEventSlim _paused = new();
        private readonly ManualResetEventSlim _resume = new();
        private readonly SseSubscriberSet _set;
        private Task _publish = Task.CompletedTask;
        private int _batches;

        private PausedPublish(SseSubscriberSet set) => _set = set;

        public static PausedPublish Start(InMemorySseHub hub, string channel, string data)
        {
            var paused = new PausedPublish(hub.SubscribersOf(channel)!);
            paused._set.BatchHanded = paused.OnBatch;
            paused._publish = Task.Run(async () => await hub.PublishAsync(channel, SseEvent.FromData(data)));
            paused._paused.Wait(s_deadline).Should().BeTrue("the publish reaches its first batch");
            return paused;
        }

        public async Task ResumeAsync()
        {
            _resume.Set();
            await Within(_publish, "the publish finishes once resumed");
            _batches.Should().BeGreaterThan(Subscribers / SseSubscriberSet.BatchSize - 2, "the fan-out was handed out in batches");
        }

        public async ValueTask DisposeAsync()
        {
            _resume.Set();
            _set.BatchHanded = null;
            await _publish;
            _paused.Dispose();
            _resume.Dispose();
        }

        private void OnBatch()
        {
            if (Interlocked.Increment(ref _batches) == 1)
            {
                _paused.Set();
                _resume.Wait(s_deadline);
            }
        }
    }
}
