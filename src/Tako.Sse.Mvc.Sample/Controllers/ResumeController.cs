using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.Sample.Services;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>A numbered stream that goes on after <c>Last-Event-ID</c> when the browser reconnects.</summary>
/// <param name="connections">The open streams, so one can be dropped on request.</param>
/// <param name="timeProvider">The clock that paces the numbers.</param>
/// <param name="logger">Logs reconnects and drops.</param>
public sealed class ResumeController(ResumeConnections connections, TimeProvider timeProvider, ILogger<ResumeController> logger) : ControllerBase
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Numbers 1, 2, 3… two a second, each with its number as id. On a reconnect the browser sends the last id
    /// it saw as <c>Last-Event-ID</c>; the stream sends a <c>resumed</c> event naming it, then goes on right after it.
    /// </summary>
    /// <param name="client">An id the page chose, so that its "drop connection" button finds this stream.</param>
    /// <param name="lastEventId">The last id the browser saw, on a reconnect.</param>
    /// <returns>The stream, or 400 without a usable client id.</returns>
    [HttpGet("/resume")]
    [ProducesServerSentEvents(typeof(long))]
    [ProducesServerSentEvents(typeof(long), "resumed")]
    public IActionResult Resume([FromQuery] string? client, [FromHeader(Name = "Last-Event-ID")] long? lastEventId)
    {
        if (!ClientIds.IsValid(client))
        {
            return BadRequest($"Pass ?client= with 1 to {ClientIds.MaxLength} ASCII letters, digits or hyphens.");
        }

        if (lastEventId is { } resumedAfter)
        {
            SampleLog.ResumeStreamResumed(logger, ClientIds.Tag(client!), resumedAfter);
        }

        return new SseActionResult(Numbers(client!, lastEventId));
    }

    /// <summary>Ends the client's open stream, as a lost connection would; its browser reconnects by itself.</summary>
    /// <param name="client">The client id the stream was opened with.</param>
    /// <returns>204 when a stream was dropped, 404 when none was open.</returns>
    [HttpPost("/resume/drop")]
    public IActionResult Drop([FromQuery] string? client)
    {
        if (!ClientIds.IsValid(client) || !connections.Drop(client!))
        {
            return NotFound();
        }

        SampleLog.ResumeStreamDropped(logger, ClientIds.Tag(client!));
        return NoContent();
    }

    private async IAsyncEnumerable<SseEvent> Numbers(string client, long? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Reconnect one second after a drop instead of the browser's default of a few seconds.
        yield return SseEvent.FromRetry(s_reconnectDelay);
        if (lastEventId is { } after)
        {
            // No id on this event: the browser's last event id stays the number it saw last.
            yield return SseEvent.FromData(after.ToString(CultureInfo.InvariantCulture)).WithEvent("resumed");
        }

        var drop = connections.Open(client);
        try
        {
            for (var n = (lastEventId ?? 0) + 1; ; n++)
            {
                if (!await WaitUnlessDroppedAsync(drop.Token, cancellationToken))
                {
                    // Ending the response is all it takes: EventSource reconnects and sends Last-Event-ID.
                    yield break;
                }

                var text = n.ToString(CultureInfo.InvariantCulture);
                yield return SseEvent.FromData(text).WithId(text);
            }
        }
        finally
        {
            connections.Close(client, drop);
        }
    }

    private async Task<bool> WaitUnlessDroppedAsync(CancellationToken dropped, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(dropped, cancellationToken);
        try
        {
            await Task.Delay(s_period, timeProvider, either.Token);
            return true;
        }
        catch (OperationCanceledException) when (dropped.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
