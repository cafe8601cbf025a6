using Microsoft.Extensions.Time.Testing;
using Tako.Sse.Mvc.Testing;
using Tako.Sse.Mvc.Tests.Channels;

namespace Tako.Sse.Mvc.Tests.Backplane;

/// <summary>
/// A publish to thousands of subscribers has its frame handed out a batch at a time, outside the channel's
/// lock, by a deliverer on the thread pool: these tests stop the deliverer after its first batch and show what
/// can happen meanwhile.
/// </summary>
public class SseSubscriberSetTests
{
    private const int Subscribers = 5_000;
    private static readonly TimeSpan s_deadline = Poll.Deadline;

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Subscribe_DuringAPublishToThousands_JoinsWithoutWaitingForIt_AndNeitherMissesNorDoublesTheEvent()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => hub.Subscribe("c")).ToList();
        var before = await PublishAndHandAsync(hub, "zero");
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
        await PublishAndHandAsync(hub, "two");

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
        await PublishAndHandAsync(hub, "two");

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

    [Fact]
    public async Task PublishAsync_ToThousands_ReturnsWhileTheFanOutIsStillUnderWay()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => hub.Subscribe("c")).ToList();
        await using var publish = PausedPublish.Start(hub, "c", "one");

        // The deliverer is stopped after its first batch, and the publish has returned all the same.
        await Within(publish.Publish, "a publish to thousands does not wait for its fan-out");
        var early = subscribers.Select(Data).ToList();
        early.Count(data => data.Count > 0).Should().BeLessThan(Subscribers, "the deliverer has not gone through the set yet");

        await publish.ResumeAsync();
        subscribers.Select((s, i) => early[i].Concat(Data(s))).Should().OnlyContain(data => data.SequenceEqual(new[] { "one" }));
    }

    [Fact]
    public async Task PublishAsync_FarAheadOfTheFanOut_WaitsWithoutBlocking_ThenEveryFrameGoesOutInOnePass()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => hub.Subscribe("c")).ToList();
        await using var publish = PausedPublish.Start(hub, "c", "one");

        // "one" waits for the stopped deliverer; up to MaxQueued frames in all may, and their publishes return.
        for (var i = 2; i <= SseSubscriberSet.MaxQueued; i++)
        {
            var queued = hub.PublishAsync("c", SseEvent.FromData($"e{i}"));
            queued.IsCompletedSuccessfully.Should().BeTrue("frame {0} of {1} may wait for the deliverer", i, SseSubscriberSet.MaxQueued);
        }

        // One more is too many: the call returns (its thread is not blocked) with a task that waits for room.
        var held = hub.PublishAsync("c", SseEvent.FromData("last")).AsTask();
        held.IsCompleted.Should().BeFalse("a publisher more than MaxQueued frames ahead of the fan-out is held back");

        var batchesBefore = publish.Batches;
        await publish.ResumeAsync();
        await Within(held, "the held publish goes on once the deliverer has made room");
        await HandedAsync(hub.SubscribersOf("c")!, "the fan-out to finish");

        var expected = new[] { "one" }.Concat(Enumerable.Range(2, SseSubscriberSet.MaxQueued - 1).Select(i => $"e{i}")).Append("last");
        subscribers.Should().OnlyContain(s => Data(s).SequenceEqual(expected));

        // The first pass ends with "one"; the 64 frames that queued behind it go out together, not one pass each.
        var batchesPerPass = (Subscribers + SseSubscriberSet.BatchSize - 1) / SseSubscriberSet.BatchSize;
        (publish.Batches - batchesBefore).Should().BeLessThanOrEqualTo(3 * batchesPerPass, "every frame queued during a pass goes out in the next one");
    }

    [Fact]
    public async Task PublishAsync_ToAFewSubscribers_HandsTheFrameOutBeforeItReturns()
    {
        using var hub = TestHub.Create(_time);
        var subscribers = Enumerable.Range(0, SseSubscriberSet.InlineLimit).Select(_ => hub.Subscribe("c")).ToList();

        await hub.PublishAsync("c", SseEvent.FromData("one"));

        hub.SubscribersOf("c")!.IsIdle.Should().BeTrue("a set of one batch is served by its publisher");
        subscribers.Should().OnlyContain(s => Data(s).SequenceEqual(new[] { "one" }));
    }

    private static async Task<string> PublishAndHandAsync(InMemorySseHub hub, string data)
    {
        var id = await hub.PublishAsync("c", SseEvent.FromData(data));
        await HandedAsync(hub.SubscribersOf("c")!, $"the fan-out of {data}");
        return id;
    }

    // The deliverer of a large set runs on the thread pool: waits until it has handed out everything.
    private static Task HandedAsync(SseSubscriberSet set, string what) => Poll.UntilAsync(() => set.IsIdle, what);

    private static async Task Within(Task task, string because)
    {
        (await Task.WhenAny(task, Task.Delay(s_deadline))).Should().BeSameAs(task, because);
        await task;
    }

    // The data of every event ready now (an id-only position frame has none).
    private static List<string> Data(SseSubscriber subscriber) =>
        subscriber.TakeReady().SelectMany(frame => frame.Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).Select(line => line[6..])).ToList();

    /// <summary>A publish on another thread, whose deliverer the set stops after its first batch until resumed.</summary>
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

        /// <summary>Gets the publish call (it returns before the fan-out ends).</summary>
        public Task Publish => _publish;

        /// <summary>Gets the batches the set has handed out since the start.</summary>
        public int Batches => Volatile.Read(ref _batches);

        /// <summary>Lets the deliverer go on and waits until it has handed out everything.</summary>
        public async Task ResumeAsync()
        {
            _resume.Set();
            await Within(_publish, "the publish finishes once resumed");
            await HandedAsync(_set, "the fan-out finishes once resumed");
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
