using System.Runtime.CompilerServices;
using Moq;

namespace Tako.Sse.Mvc.Tests.Streaming;

/// <summary>When the stream flushes: headers at once, ready events together, and often enough to bound memory.</summary>
public class SseStreamFlushTests
{
    [Fact]
    public async Task RunAsync_SourceNotStarted_HeadersFlushedAndBufferingDisabledFirst()
    {
        using var harness = new StreamHarness();
        var flushesSeenBySource = -1;
        var disableBufferingCalls = 0;
        harness.Body.Setup(b => b.DisableBuffering()).Callback(() => disableBufferingCalls = harness.Writer.FlushCount + 1);

        await harness.RunAsync(new SseActionResult(Source()));

        disableBufferingCalls.Should().Be(1, "buffering is disabled before the first flush");
        flushesSeenBySource.Should().Be(1, "the headers were flushed before the source was asked for anything");
        harness.Context.Response.StatusCode.Should().Be(200);
        harness.Context.Response.ContentType.Should().Be("text/event-stream");
        harness.Context.Response.Headers.Connection.ToString().Should().Be("keep-alive");
        harness.Writer.Flushes.Should().Equal(string.Empty, "data: x\n\n");

        async IAsyncEnumerable<SseEvent> Source()
        {
            flushesSeenBySource = harness.Writer.FlushCount;
            await Task.Yield();
            yield return SseEvent.FromData("x");
        }
    }

    [Fact]
    public async Task RunAsync_SeveralEventsReady_SendsThemInOneFlush()
    {
        using var harness = new StreamHarness(o => o.Retry = TimeSpan.FromSeconds(1));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = harness.RunAsync(new SseActionResult(Source()));
        await WaitUntilAsync(() => harness.Writer.FlushCount == 2);

        harness.Writer.Flushes.Should().Equal("retry: 1000\n\n", "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n");
        gate.SetResult();
        await run;
        harness.Writer.Flushes.Should().HaveCount(3).And.EndWith("data: after\n\n");

        async IAsyncEnumerable<SseEvent> Source()
        {
            for (var i = 1; i <= 5; i++)
            {
                yield return SseEvent.FromData(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            await gate.Task;
            yield return SseEvent.FromData("after");
        }
    }

    [Fact]
    public async Task RunAsync_BurstAfterAWait_FirstEventGoesOutAloneThenTheRestTogether()
    {
        using var harness = new StreamHarness(o => o.Retry = TimeSpan.FromSeconds(1));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = harness.RunAsync(new SseActionResult(Source()));
        await WaitUntilAsync(() => harness.Writer.FlushCount == 1);
        gate.SetResult();
        await run;

        // The first event after the wait does not wait for the source to be asked again.
        harness.Writer.Flushes.Should().Equal("retry: 1000\n\n", "data: a\n\n", "data: b\n\ndata: c\n\n");

        async IAsyncEnumerable<SseEvent> Source()
        {
            await gate.Task;
            yield return SseEvent.FromData("a");
            yield return SseEvent.FromData("b");
            yield return SseEvent.FromData("c");
        }
    }

    [Fact]
    public async Task RunAsync_QueuedSourceBurstAfterAWait_GoesOutInOneFlush()
    {
        using var harness = new StreamHarness(o => o.Retry = TimeSpan.FromSeconds(1));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = harness.RunAsync(new SseActionResult(new QueuedSource(gate.Task, ["a", "b", "c"])));
        await WaitUntilAsync(() => harness.Writer.FlushCount == 1);
        gate.SetResult();
        await run;

        // A queue's next items are ready at once: the first after the wait does not go out alone.
        harness.Writer.Flushes.Should().Equal("retry: 1000\n\n", "data: a\n\ndata: b\n\ndata: c\n\n");
    }

    [Fact]
    public async Task RunAsync_EndlessReadyEvents_FlushesAtTheThreshold()
    {
        using var harness = new StreamHarness();

        await harness.RunAsync(new SseActionResult(Source()));

        // Every few flushes the loop also flushes nothing, to ask the pipe whether the client is still there.
        var frames = harness.Writer.Flushes.Skip(1).Where(f => f.Length > 0).ToList();
        frames.Should().HaveCountGreaterThan(1);
        frames.SkipLast(1).Should().AllSatisfy(f => f.Length.Should().BeInRange(SseStream.FlushThreshold, SseStream.FlushThreshold + 1100));
        string.Concat(frames).Length.Should().Be(1000 * ("data: ".Length + 1024 + 2));

        static async IAsyncEnumerable<SseEvent> Source()
        {
            var payload = new string('x', 1024);
            for (var i = 0; i < 1000; i++)
            {
                yield return SseEvent.FromData(payload);
            }

            await Task.CompletedTask;
        }
    }

    [Fact]
    public async Task RunAsync_ResponseAlreadyStarted_Throws()
    {
        using var harness = new StreamHarness();
        var started = new Mock<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>();
        started.SetupGet(f => f.HasStarted).Returns(true);
        started.SetupGet(f => f.Headers).Returns(new Microsoft.AspNetCore.Http.HeaderDictionary());
        harness.Context.Features.Set(started.Object);

        var run = () => harness.RunAsync(new SseActionResult(AsyncEnumerable.Empty<SseEvent>()));

        await run.Should().ThrowAsync<InvalidOperationException>();
    }

    // A source that says it is a queue (as a channel subscription does): it waits once, then has all its items ready.
    private sealed class QueuedSource(Task ready, string[] items) : IAsyncEnumerable<SseEvent>, ISseQueuedSource
    {
        public async IAsyncEnumerator<SseEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            await ready;
            foreach (var item in items)
            {
                yield return SseEvent.FromData(item);
            }
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "waiting for {0}", what);
            await Task.Delay(5);
        }
    }
}
