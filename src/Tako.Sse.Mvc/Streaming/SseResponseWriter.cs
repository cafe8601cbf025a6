using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Tako.Sse.Mvc;

/// <summary>
/// Sends what the stream loop encoded: every write to the response goes through <see cref="FlushAsync"/>, from
/// the one <see cref="SseWriteBuffer"/>, under the stream's <see cref="SseWriteTimeout"/>, and is counted in
/// <see cref="SseMetrics"/> by <see cref="Flushed"/>. Used by <see cref="SseStream"/> only, on its loop, as
/// <c>output.Flushed(await output.FlushAsync(token), token)</c>.
/// </summary>
/// <remarks>
/// Two calls rather than one async method: the loop awaits the pipe's own flush, so a flush that completes at
/// once (nearly every flush of a fan-out) runs no state machine of ours, and one that waits allocates no box.
/// </remarks>
internal sealed class SseResponseWriter(SseWriteBuffer buffer, SseWriteTimeout? writeTimeout, SseMetrics metrics)
{
    // After this many flushes in a row that completed at once, with no wait for the source between them, the
    // loop checks that the client is still there and lets the thread pool run other work (see FlushAsync). A
    // flush is up to SseStream.FlushThreshold bytes, so a fast stream does this about once a megabyte: nothing
    // next to the flushes themselves.
    internal const int SynchronousFlushesPerYield = 16;

    private long _unflushedEvents;
    private long _flushedBytes;
    private int _synchronousFlushes;
    private bool _timing;

    /// <summary>Gets the buffer events are encoded into.</summary>
    public SseWriteBuffer Buffer => buffer;

    /// <summary>Gets how many times the loop has yielded to the thread pool between instant flushes (for tests).</summary>
    internal int Yields { get; private set; }

    /// <summary>An event was encoded into <see cref="Buffer"/> (counted in the next flush's metrics).</summary>
    public void EventWritten() => _unflushedEvents++;

    /// <summary>
    /// The loop is about to wait for its source: it gives its thread back, so the instant flushes before this
    /// one no longer count towards a yield.
    /// </summary>
    public void SourceWaits() => _synchronousFlushes = 0;

    /// <summary>
    /// Starts sending what is buffered; pass what it returns to <see cref="Flushed"/>. A write the client does not
    /// take at once runs under the write timeout until then.
    /// </summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken token)
    {
        _flushedBytes = buffer.PendingBytes;
        var write = buffer.FlushAsync(token);
        if (!write.IsCompleted)
        {
            _synchronousFlushes = 0;
            return Timed(write);
        }

        var result = write.Result;
        if (++_synchronousFlushes >= SynchronousFlushesPerYield && !result.IsCompleted && !result.IsCanceled)
        {
            // See below for why.
            _synchronousFlushes = 0;
            Yields++;
            return YieldThenFlushAsync(token);
        }

        return new ValueTask<FlushResult>(result);
    }

    /// <summary>
    /// Ends a flush started by <see cref="FlushAsync"/> with its result: stops the write timeout and counts what
    /// was sent. False when the client is gone (or the write timed out) and nothing more can be written.
    /// </summary>
    public bool Flushed(FlushResult result, CancellationToken token)
    {
        StopTiming();
        metrics.Sent(_unflushedEvents, _flushedBytes);
        _unflushedEvents = 0;
        return !result.IsCompleted && !result.IsCanceled && !token.IsCancellationRequested;
    }

    // Why the loop yields now and then (above): once the client is gone, Kestrel's HTTP/1.1 body completes
    // every chunked write at once with a result that is neither completed nor canceled, and only a work item
    // it queues to the thread pool cancels RequestAborted. A loop whose source is always ready would write on
    // forever, and enough such loops keep that work item (and everything else) from ever running. So every few
    // instant flushes the loop goes to the back of the thread pool's global queue (Task.Yield), behind the work
    // that cancels its token, and then asks the pipe directly: an empty flush does report a completed pipe. A
    // loop that waits for its source gives its thread back anyway (SourceWaits).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> YieldThenFlushAsync(CancellationToken token)
    {
        await Task.Yield();
        return await Timed(buffer.FlushAsync(token));
    }

    /// <summary>After a failure: sends the whole events encoded before it, if the client takes them.</summary>
    public async ValueTask TryFlushAfterFailureAsync()
    {
        try
        {
            // A partly written event ends without its blank line, so no client dispatches it. A client that
            // does not take them is timed out as usual.
            await Timed(buffer.FlushAsync(CancellationToken.None));
        }
        catch (Exception)
        {
            // The client went away while we were reporting the failure: nothing left to deliver, and the
            // failure is already logged once.
        }
        finally
        {
            StopTiming();
        }
    }

    // A write the client has not taken yet runs under the write timeout until it completes.
    private ValueTask<FlushResult> Timed(ValueTask<FlushResult> write)
    {
        if (!write.IsCompleted && writeTimeout is { } timeout)
        {
            timeout.Start();
            _timing = true;
        }

        return write;
    }

    private void StopTiming()
    {
        if (_timing)
        {
            _timing = false;
            writeTimeout!.Stop();
        }
    }
}
