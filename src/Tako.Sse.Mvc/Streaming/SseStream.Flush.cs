using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Tako.Sse.Mvc;

// Sending what the loop encoded: every write to the response goes through FlushAsync here, and from there
// through the one SseWriteBuffer.
internal sealed partial class SseStream
{
    // After this many flushes in a row that completed at once, the loop checks that the client is still there
    // and lets the thread pool run other work (see FlushAsync). A flush is up to FlushThreshold bytes, so a
    // fast stream does this about once a megabyte: nothing next to the flushes themselves.
    internal const int SynchronousFlushesPerYield = 16;

    private int _synchronousFlushes;

    // Sends what is buffered. False when the client is gone (or the write timed out) and nothing more can be
    // written.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAsync(CancellationToken token)
    {
        var bytes = _buffer.PendingBytes;
        FlushResult result;
        try
        {
            var write = _buffer.FlushAsync(token);
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
                    result = await WaitForWriteAsync(_buffer.FlushAsync(token));
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        _metrics.Sent(_unflushedEvents, bytes);
        _unflushedEvents = 0;
        return !result.IsCompleted && !result.IsCanceled && !token.IsCancellationRequested;
    }

    // Why the loop yields now and then (above): once the client is gone, Kestrel's HTTP/1.1 body completes
    // every chunked write at once with a result that is neither completed nor canceled, and only a work item
    // it queues to the thread pool cancels RequestAborted. A loop whose source is always ready would write on
    // forever, and enough such loops keep that work item (and everything else) from ever running. So every few
    // instant flushes the loop goes to the back of the thread pool's global queue (Task.Yield), behind the work
    // that cancels its token, and then asks the pipe directly: an empty flush does report a completed pipe.

    // A write the client has not taken yet: the write timeout runs while it waits.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> WaitForWriteAsync(ValueTask<FlushResult> write)
    {
        if (write.IsCompleted)
        {
            return write.Result;
        }

        StartWriteTimeout();
        try
        {
            return await write;
        }
        finally
        {
            StopWriteTimeout();
        }
    }

    private async ValueTask TryFlushAfterFailureAsync()
    {
        try
        {
            // Whole events encoded before the failure still go out; a partly written one ends without its
            // blank line, so no client dispatches it. A client that does not take them is timed out as usual.
            await WaitForWriteAsync(_buffer.FlushAsync(CancellationToken.None));
        }
        catch (Exception)
        {
            // The client went away while we were reporting the failure: nothing left to deliver, and the
            // failure is already logged once.
        }
    }
}
