using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The limit of the fan-out run: a bare endpoint with no hub, no queue per subscriber and no ids. The publisher
/// encodes each event once into one shared ring of frames and wakes every response; each response copies the
/// frames it has not sent yet straight from the ring into its body pipe, up to the same 60 KB our stream writes
/// before it flushes, and flushes once. What is left is what Kestrel, the thread pool and the kernel charge to
/// move pre-encoded bytes to N sockets.
/// </summary>
public sealed class BareRingFanout
{
    // Far more than the 128 events the publisher runs ahead of the average subscriber.
    private const int RingSize = 8192;

    // The flush granularity of our stream (SseStream.FlushThreshold).
    private const int FlushThreshold = 60 * 1024;

    private readonly byte[][] _ring = new byte[RingSize][];
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _last = -1;
    private int _count;
    private long _flushes;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the flushes that carried frames, all responses together.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Encodes the event once, puts it in the ring and wakes every response (one publisher at a time).</summary>
    public void Publish(string eventName, string data)
    {
        var sequence = _last + 1;
        _ring[sequence % RingSize] = Encoding.UTF8.GetBytes($"event: {eventName}\ndata: {data}\n\n");
        Volatile.Write(ref _last, sequence);
        Interlocked.Exchange(ref _published, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
    }

    /// <summary>Starts the response, then sends every frame published from now on until the client leaves.</summary>
    public async Task HoldAsync(HttpContext context)
    {
        var token = context.RequestAborted;
        var writer = context.Response.BodyWriter;
        context.Response.ContentType = "text/event-stream";
        var sent = Volatile.Read(ref _last);
        Interlocked.Increment(ref _count);
        try
        {
            await writer.FlushAsync(token);
            while (!token.IsCancellationRequested)
            {
                var wake = Volatile.Read(ref _published).Task;
                var last = Volatile.Read(ref _last);
                if (last == sent)
                {
                    await wake.WaitAsync(token);
                    continue;
                }

                // Lapped by the ring (only the stuck subscriber can be): skip to what is still in it.
                sent = Math.Max(sent, last - (RingSize / 2));
                var written = 0;
                while (sent < last && written < FlushThreshold)
                {
                    var frame = _ring[++sent % RingSize];
                    writer.Write(frame);
                    written += frame.Length;
                }

                Interlocked.Increment(ref _flushes);
                if ((await writer.FlushAsync(token)).IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client left.
        }
        finally
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
