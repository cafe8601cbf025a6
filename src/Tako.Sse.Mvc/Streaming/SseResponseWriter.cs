using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Tako.Sse.Mvc;

/// <summary>
/// Sends what the stream loop encoded: every write to the response goes through <see cref="FlushAsync"/>, from
/// the one <see cref="SseWriteBuffer"/>, under the stream's <see cref="SseWriteTimeout"/>, and is counted in
/// <see cref="SseMetrics"/>. Used by <see cref="SseStream"/> only, on its loop.
/// </summary>
internal sealed class SseResponseWriter(SseWriteBuffer buffer, SseWriteTimeout? writeTimeout, SseMetrics metrics)
{
    // After this many flushes in a row that completed at once, the loop checks that the client is still there
    // and lets the thread pool run other work (see FlushAsync). A flush is up to SseStream.FlushThreshold bytes,
    // so a fast stream does this about once a megabyte: nothing next to the flushes themselves.
    internal const int SynchronousFlushesPerYield = 16;

    private long _unflushedEvents;
    private int _synchronousFlushes;

    /// <summary>Gets the buffer events are encoded into.</summary>
    public SseWriteBuffer Buffer => buffer;

    /// <summary>An event was encoded into <see cref="Buffer"/> (counted in the next flush's metrics).</summary>
    public void EventWritten() => _unflushedEvents++;

    /// <summary>
    /// Sends what is buffered. False when the client is gone (or the write timed out) and nothing more can be
    /// written.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> FlushAsync(CancellationToken token)
    {
        var bytes = buffer.PendingBytes;
        FlushResult result;
        try
        {
            var write = buffer.FlushAsync(token);
            if (!write.IsCompleted)
            {
                _synchronousFlushes = 0;
                result = await WaitForWriteAsync(write);
            }
            else
            {
                result = write.Result;
                if (++_synchronousFlushes >= SynchronousFlushesPerYield && !result.IsCompleted && !result.IsCanceled)
                {
                    // See below for why.
                    _synchronousFlushes = 0;
                    await Task.Yield();
                    result = await WaitForWriteAsync(buffer.FlushAsync(token));
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        metrics.Sent(_unflushedEvents, bytes);
        _unflushedEvents = 0;
        return !result.IsCompleted && !result.IsCanceled && !token.IsCancellationRequested;
    }

    // Why the loop yields now and then (above): once the client is gone, Kestrel's HTTP/1.1 body completes
    // every chunked write at once with a result that is neither completed nor canceled, and only a work item
    // it queues to the thread pool cancels RequestAborted. A loop whose source is always ready would write on
    // forever, and enough such loops keep that work item (and everything else) from ever running. So every few
    // instant flushes the loop goes to the back of the thread pool's global queue (Task.Yield), behind the work
    // that cancels its token, and then asks the pipe directly: an empty flush does report a completed pipe.

    /// <summary>After a failure: sends the whole events encoded before it, if the client takes them.</summary>
    public async ValueTask TryFlushAfterFailureAsync()
    {
        try
        {
            // A partly written event ends without its blank line, so no client dispatches it. A client that
            // does not take them is timed out as usual.
            await WaitForWriteAsync(buffer.FlushAsync(CancellationToken.None));
        }
        catch (Exception)
        {
            // The client went away while we were reporting the failure: nothing left to deliver, and the
            // failure is already logged once.
        }
    }

    // A write the client has not taken yet: the write timeout runs while it waits.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> WaitForWriteAsync(ValueTask<FlushResult> write)
    {
        if (write.IsCompleted)
        {
            return write.Result;
        }

        writeTimeout?.Start();
        try
        {
            return await write;
        }
        finally
        {
            writeTimeout?.Stop();
        }
    }
}
