namespace Tako.Sse.Mvc.Tests.Streaming;

/// <summary><see cref="SseResponseWriter"/>: when a loop of instant flushes gives the thread pool a turn.</summary>
public sealed class SseResponseWriterTests
{
    [Fact]
    public async Task FlushAsync_InstantFlushesInARow_YieldsOncePerRunOfThem()
    {
        var output = new SseResponseWriter(new SseWriteBuffer(new RecordingPipeWriter()), null, SseMetrics.Fallback);

        for (var i = 0; i < 2 * SseResponseWriter.SynchronousFlushesPerYield; i++)
        {
            output.Flushed(await output.FlushAsync(CancellationToken.None), CancellationToken.None).Should().BeTrue();
        }

        output.Yields.Should().Be(2, "a loop whose source is always ready must let the work that cancels it run");
    }

    [Fact]
    public async Task FlushAsync_SourceWaitsBetweenInstantFlushes_NeverYields()
    {
        var output = new SseResponseWriter(new SseWriteBuffer(new RecordingPipeWriter()), null, SseMetrics.Fallback);

        for (var i = 0; i < 4 * SseResponseWriter.SynchronousFlushesPerYield; i++)
        {
            output.Flushed(await output.FlushAsync(CancellationToken.None), CancellationToken.None).Should().BeTrue();
            output.SourceWaits();
        }

        output.Yields.Should().Be(0, "a loop that waits for its source gives its thread back anyway");
    }
}
