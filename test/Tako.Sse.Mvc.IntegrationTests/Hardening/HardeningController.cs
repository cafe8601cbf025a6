using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>
/// The sources of the hardening tests: what an attacker or a careless application does to a stream. The
/// iterators are static, so none of them holds the controller (and through it the request).
/// </summary>
[ApiController]
public class HardeningController(StreamProbe probe, TimeProvider time) : ControllerBase
{
    /// <summary>A plain request, to show the server still answers.</summary>
    [HttpGet("/hardening/ping")]
    public string Ping() => "pong";

    /// <summary>Events of <paramref name="size"/> characters, always ready, never ending.</summary>
    [HttpGet("/hardening/flood")]
    public SseActionResult Flood(int size = 1024) => new(FloodEvents(probe, size));

    /// <summary>Yields "first", waits on the inline gate "producer", yields "woken", then blocks its caller in the next MoveNextAsync.</summary>
    [HttpGet("/hardening/woken")]
    public SseActionResult Woken() => new(WokenEvents(probe));

    /// <summary>Yields "first", waits on the app's clock, yields "ticked", then blocks its caller in the next MoveNextAsync.</summary>
    [HttpGet("/hardening/clocked")]
    public SseActionResult Clocked(double delaySeconds) => new(ClockedEvents(probe, time, TimeSpan.FromSeconds(delaySeconds)));

    /// <summary>Yields "first" and ends; its DisposeAsync never completes.</summary>
    [HttpGet("/hardening/stuck-dispose")]
    public SseActionResult StuckDispose() => new(new StuckDisposeSource(probe, throws: false));

    /// <summary>Yields "first", then waits for its token; its DisposeAsync throws.</summary>
    [HttpGet("/hardening/throwing-dispose")]
    public SseActionResult ThrowingDispose() => new(new StuckDisposeSource(probe, throws: true));

    /// <summary>Yields "first", then never completes its MoveNextAsync (deaf to its token); remembers the request weakly.</summary>
    [HttpGet("/hardening/abandoned")]
    public SseActionResult Abandoned()
    {
        probe.TrackContext(HttpContext);
        return new(AbandonedEvents(probe));
    }

    /// <summary>Yields "first", then waits for the gate "normal" or its token; remembers the request weakly.</summary>
    [HttpGet("/hardening/normal")]
    public SseActionResult Normal()
    {
        probe.TrackContext(HttpContext);
        return new(NormalEvents(probe));
    }

    private static async IAsyncEnumerable<SseEvent> FloodEvents(StreamProbe probe, int size, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var item = SseEvent.FromData(new string('x', size));
        try
        {
            probe.Mark("flood.started");
            while (true)
            {
                probe.Mark("flood.item");
                yield return item;
            }
        }
        finally
        {
            Finally(probe, cancellationToken);
        }
    }

    private static async IAsyncEnumerable<SseEvent> WokenEvents(StreamProbe probe, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            yield return SseEvent.FromData("first");
            probe.Mark("woken.waiting");
            await probe.InlineGate("producer");
            yield return SseEvent.FromData("woken");
            probe.Mark("woken.blocking");
            probe.Block("woken");
            yield return SseEvent.FromData("unblocked");
        }
        finally
        {
            Finally(probe, cancellationToken);
        }
    }

    private static async IAsyncEnumerable<SseEvent> ClockedEvents(StreamProbe probe, TimeProvider time, TimeSpan delay, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            yield return SseEvent.FromData("first");
            await Task.Delay(delay, time, CancellationToken.None);
            yield return SseEvent.FromData("ticked");
            probe.Mark("clocked.blocking");
            probe.Block("clocked");
            yield return SseEvent.FromData("unblocked");
        }
        finally
        {
            Finally(probe, cancellationToken);
        }
    }

    private static async IAsyncEnumerable<SseEvent> AbandonedEvents(StreamProbe probe, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return SseEvent.FromData("first");
        probe.Mark("abandoned.waiting");

        // Deaf to its token and never completed: the pending call outlives the request.
        await probe.Gate("never");
        yield return SseEvent.FromData("late");
    }

    private static async IAsyncEnumerable<SseEvent> NormalEvents(StreamProbe probe, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            yield return SseEvent.FromData("first");
            probe.Mark("normal.waiting");
            await probe.Gate("normal").WaitAsync(cancellationToken);
        }
        finally
        {
            Finally(probe, cancellationToken);
        }
    }

    private static void Finally(StreamProbe probe, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            probe.Mark("cancelled");
        }

        probe.Mark("disposed");
    }
}
