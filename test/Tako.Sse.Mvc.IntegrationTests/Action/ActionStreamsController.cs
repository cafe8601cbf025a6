using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The sources of the SseActionResult tests. Each one reports what happened to it through the probe.</summary>
[ApiController]
public class ActionStreamsController(StreamProbe probe) : ControllerBase
{
    /// <summary>
    /// Yields <paramref name="ready"/> events synchronously, waits for the gate, then yields "after";
    /// <paramref name="maxKeepAlive"/> sets the result's KeepAlive to TimeSpan.MaxValue (the options refuse it).
    /// </summary>
    [HttpGet("/action/gated")]
    public SseActionResult Gated(int ready = 1, string gate = "gate", bool maxKeepAlive = false) =>
        new(GatedEvents(ready, gate)) { KeepAlive = maxKeepAlive ? TimeSpan.MaxValue : null };

    /// <summary>Yields nothing and waits for its token (the gate is never opened by most tests).</summary>
    [HttpGet("/action/silent")]
    public SseActionResult Silent(string gate = "silent") => new(SilentEvents(gate));

    /// <summary>Yields "first", then waits on a gate ignoring its token, then yields "late".</summary>
    [HttpGet("/action/ignoring")]
    public SseActionResult Ignoring() => new(IgnoringEvents());

    /// <summary>Yields "one", then throws.</summary>
    [HttpGet("/action/throws")]
    public SseActionResult Throws() => new(ThrowingEvents());

    /// <summary>Yields e1, then each next event when the gate of that name opens; KeepAlive overrides the option.</summary>
    [HttpGet("/action/keepalive")]
    public SseActionResult KeepAlive(int count = 3, double? keepAliveSeconds = null) =>
        new(SteppedEvents(count)) { KeepAlive = keepAliveSeconds is { } s ? TimeSpan.FromSeconds(s) : null };

    /// <summary>Raw chunks, one of them trying to inject an event of its own.</summary>
    [HttpGet("/action/raw")]
    public SseActionResult Raw() => new(RawChunks());

    /// <summary>Yields <paramref name="count"/> small events all ready at once, then ends.</summary>
    [HttpGet("/action/ready")]
    public SseActionResult Ready(int count) => new(ReadyEvents(count));

    /// <summary>Yields <paramref name="count"/> events of <paramref name="size"/> characters, yielding the thread between them.</summary>
    [HttpGet("/action/bulk")]
    public SseActionResult Bulk(int count, int size) => new(BulkEvents(count, size));

    private static async IAsyncEnumerable<SseEvent> ReadyEvents(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return SseEvent.FromData($"ready {i}");
        }

        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<SseEvent> BulkEvents(int count, int size)
    {
        for (var i = 0; i < count; i++)
        {
            yield return SseEvent.FromData(new string((char)('a' + (i % 26)), size)).WithId(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Task.Yield();
        }
    }

    private async IAsyncEnumerable<SseEvent> GatedEvents(int ready, string gate, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 1; i <= ready; i++)
            {
                yield return SseEvent.FromData($"ready {i}").WithId(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            probe.Mark("gated.waiting");
            await probe.Gate(gate).WaitAsync(cancellationToken);
            yield return SseEvent.FromData("after");
        }
        finally
        {
            Finally(cancellationToken);
        }
    }

    private async IAsyncEnumerable<SseEvent> SilentEvents(string gate, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            probe.Mark("started");
            await probe.Gate(gate).WaitAsync(cancellationToken);
            yield return SseEvent.FromData("opened");
        }
        finally
        {
            Finally(cancellationToken);
        }
    }

    private async IAsyncEnumerable<SseEvent> IgnoringEvents([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            yield return SseEvent.FromData("first");

            // Deliberately deaf to cancellation: the stream must end without it and dispose it later.
            await probe.Gate("ignoring");
            probe.Mark("ignoring.returned");
            yield return SseEvent.FromData("late");
            probe.Mark("ignoring.resumed");
        }
        finally
        {
            Finally(cancellationToken);
        }
    }

    private async IAsyncEnumerable<SseEvent> ThrowingEvents([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            yield return SseEvent.FromData("one");
            await Task.Yield();
            throw new InvalidOperationException("source failed on purpose");
        }
        finally
        {
            Finally(cancellationToken);
        }
    }

    private async IAsyncEnumerable<SseEvent> SteppedEvents(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 1; i <= count; i++)
            {
                if (i > 1)
                {
                    await probe.Gate($"e{i}").WaitAsync(cancellationToken);
                }

                yield return SseEvent.FromData($"e{i}");
            }
        }
        finally
        {
            Finally(cancellationToken);
        }
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> RawChunks()
    {
        yield return Encoding.UTF8.GetBytes("plain");
        await Task.Yield();
        yield return Encoding.UTF8.GetBytes("a\n\nevent: evil\r\ndata: x");
    }

    private void Finally(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            probe.Mark("cancelled");
        }

        probe.Mark("disposed");
    }
}
