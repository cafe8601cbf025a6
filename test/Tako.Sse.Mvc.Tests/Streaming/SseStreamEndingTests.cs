using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.Tests.Streaming;

/// <summary>How a stream ends when the source, the client or the host does not cooperate.</summary>
public class SseStreamEndingTests
{
    [Fact]
    public async Task RunAsync_StrictSource_ConsumesEveryMoveNextOnceAndDisposesAfterTheEnd()
    {
        using var harness = new StreamHarness(o => o.KeepAlive = TimeSpan.FromSeconds(5));
        var source = new StrictAsyncEnumerable();

        var run = harness.RunAsync(new SseActionResult(source));
        for (var i = 0; i < 3; i++)
        {
            await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);
            source.Produce($"e{i}");
        }

        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);
        source.Produce(null);
        await run;

        source.Violations.Should().BeEmpty();
        source.Disposed.Should().BeTrue();
        harness.Writer.Text.Should().Be("data: e0\n\ndata: e1\n\ndata: e2\n\n");
    }

    [Fact]
    public async Task RunAsync_ClientGoneWhileSourceBusy_EndsAtOnceAndDisposesTheSourceOnlyWhenItReturns()
    {
        using var harness = new StreamHarness();
        var source = new StrictAsyncEnumerable();
        var run = harness.RunAsync(new SseActionResult(source));
        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);

        await harness.Aborted.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        source.Token.IsCancellationRequested.Should().BeTrue();
        source.Disposed.Should().BeFalse("its MoveNextAsync has not returned yet");
        source.Produce("late");
        await SseStreamFlushTests.WaitUntilAsync(() => source.Disposed);
        source.Violations.Should().BeEmpty();
        harness.Writer.Text.Should().BeEmpty("the late item is dropped");
        harness.Logs.GetSnapshot().Select(r => r.Id.Name).Should().Contain(["SseSourceAbandoned", "SseClientDisconnected"]);
        harness.Logs.GetSnapshot().Should().OnlyContain(r => r.Level <= LogLevel.Debug);
    }

    [Fact]
    public async Task RunAsync_FlushReportsPipeCompleted_CancelsTheSourceToken()
    {
        using var harness = new StreamHarness();

        // The reader side of the pipe went away without RequestAborted firing (e.g. a body wrapper).
        harness.Writer.OnFlush = (n, _) => new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: n >= 1));
        var source = new StrictAsyncEnumerable();
        var run = harness.RunAsync(new SseActionResult(source));
        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);

        // The first event after a wait is flushed at once; that flush finds the pipe completed and ends the
        // stream before the source is asked for more.
        source.Produce("one");
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        source.Token.IsCancellationRequested.Should().BeTrue("a source that is still running must learn the stream is over");
        await SseStreamFlushTests.WaitUntilAsync(() => source.Disposed);
        source.Violations.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_ClientGoneBeforeTheHeaders_NeverStartsTheSourceAndLogsTheDisconnect()
    {
        using var harness = new StreamHarness();
        var source = new StrictAsyncEnumerable();
        await harness.Aborted.CancelAsync();

        await harness.RunAsync(new SseActionResult(source));

        source.Token.CanBeCanceled.Should().BeFalse("GetAsyncEnumerator was never called");
        harness.Logs.GetSnapshot().Select(r => r.Id.Name).Should().Equal("SseClientDisconnected");
    }

    [Fact]
    public async Task RunAsync_ApplicationStopping_EndsTheStreamAndLogsAtDebug()
    {
        using var harness = new StreamHarness();
        var source = new StrictAsyncEnumerable();
        var run = harness.RunAsync(new SseActionResult(source));
        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);

        harness.StopApplication();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        source.Token.IsCancellationRequested.Should().BeTrue();
        harness.Logs.GetSnapshot().Select(r => r.Id.Name).Should().Contain("SseStoppedByShutdown").And.NotContain("SseClientDisconnected");
        source.Produce(null);
        await SseStreamFlushTests.WaitUntilAsync(() => source.Disposed);
    }

    [Fact]
    public async Task RunAsync_ItemCannotBeSerialized_LogsWriteFailedOnceAndDisposesTheSource()
    {
        using var harness = new StreamHarness();
        var disposed = false;

        await harness.RunAsync(SseActionResult.Json(Items()));

        disposed.Should().BeTrue();
        var errors = harness.Logs.GetSnapshot().Where(r => r.Level > LogLevel.Debug).ToList();
        errors.Should().ContainSingle().Which.Id.Should().Be(new EventId(6, "SseWriteFailed"));
        harness.Writer.Text.Should().Be("data: {\"raw\":1,\"value\":1}\n\n", "the item that failed wrote nothing");

        async IAsyncEnumerable<Faulty> Items([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                yield return new Faulty(1);
                await Task.Yield();
                yield return new Faulty(-1);
            }
            finally
            {
                disposed = true;
            }
        }
    }

    [Fact]
    public async Task RunAsync_SourceThrows_LogsSourceFailedAndFlushesWhatWasReady()
    {
        using var harness = new StreamHarness();

        await harness.RunAsync(new SseActionResult(Source()));

        harness.Writer.Text.Should().Be("data: ready\n\n");
        harness.Logs.GetSnapshot().Where(r => r.Level > LogLevel.Debug).Should().ContainSingle()
            .Which.Id.Should().Be(new EventId(1, "SseSourceFailed"));

        static async IAsyncEnumerable<SseEvent> Source()
        {
            yield return SseEvent.FromData("ready");
            await Task.CompletedTask;
            throw new InvalidOperationException("boom");
        }
    }

    public sealed record Faulty(int Raw)
    {
        public int Value => Raw >= 0 ? Raw : throw new InvalidOperationException("cannot serialize");
    }
}
