using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// The floor of the keep-alive figure: silent streams that a bare endpoint keeps alive with the same
/// pre-encoded 12-byte frame, all written by one loop per period. No SSE library, no per-stream timer, no
/// silence tracking: what Kestrel and the kernel charge for one small write per stream per period.
/// </summary>
internal sealed class BareKeepAlive
{
    private static readonly byte[] s_frame = ":keepalive\n\n"u8.ToArray();

    private readonly ConcurrentDictionary<HttpContext, PipeWriter> _streams = new();

    public int Count => _streams.Count;

    /// <summary>Holds the response open until the client leaves; the period loop writes to it.</summary>
    public async Task HoldAsync(HttpContext context, E2EWorkload workload)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        _streams[context] = context.Response.BodyWriter;
        await foreach (var unused in workload.Silent<int>(context.RequestAborted))
        {
        }

        _streams.TryRemove(context, out _);
    }

    /// <summary>Writes one frame to every stream each period until <paramref name="token"/> fires.</summary>
    public async Task RunAsync(TimeSpan period, CancellationToken token)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(token))
            {
                foreach (var (context, writer) in _streams)
                {
                    try
                    {
                        await writer.WriteAsync(s_frame, context.RequestAborted);
                    }
                    catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException or IOException)
                    {
                        // The client left between the snapshot and the write.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
