using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.Sample.Chat;
using Tako.Sse.Mvc.Sample.Live;
using Tako.Sse.Mvc.Sample.Services;
using Tako.Sse.Mvc.Sample.Tiles;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>
/// The page's one stream for all its channels: the chat room, the tiles and the signed-in user's
/// notifications, listed by the page (<c>?channel=chat&amp;channel=tiles:visitors&amp;channel=notifications%23alice</c>).
/// Every event keeps its publisher's name (<c>chat</c>, <c>tile</c>, <c>notification</c>) and its id is the
/// cursor of every channel, so a reconnect resumes each one. Who may have which channel is not decided here:
/// the channel authorizer in <see cref="SampleApp"/> allows only <see cref="LiveChannels"/>, and the
/// user-channel rule lets only alice read <c>notifications#alice</c>.
/// </summary>
/// <param name="connections">The open streams, so one can be dropped on request.</param>
/// <param name="logger">Logs reconnects and drops.</param>
public sealed class LiveController(LiveConnections connections, ILogger<LiveController> logger) : ControllerBase
{
    /// <summary>
    /// The listed channels on one stream. On a reconnect the browser sends the last cursor it saw as
    /// <c>Last-Event-ID</c>; a page that opens a new stream for a changed list passes it as <c>?lastEventId=</c>.
    /// </summary>
    /// <param name="channels">The channels, one <c>channel</c> parameter each.</param>
    /// <param name="client">An id the page chose, so that its "drop connection" button finds this stream.</param>
    /// <param name="lastEventId">The last cursor the page saw, on a reconnect.</param>
    /// <returns>
    /// The stream; 400 for a bad client id or a bad list (empty, a bad name, one twice); 401 or 403 for a channel
    /// the request may not have.
    /// </returns>
    [HttpGet("/live")]
    [ProducesServerSentEvents(typeof(ChatMessage), ChatController.EventName, ChannelSubscription = true)]
    [ProducesServerSentEvents(typeof(TileUpdate), TileSimulator.EventName, ChannelSubscription = true)]
    [ProducesServerSentEvents(typeof(string), NotificationsController.EventName, ChannelSubscription = true)]
    public IActionResult Subscribe(
        [FromQuery(Name = "channel")] string[] channels,
        [FromQuery] string? client,
        [FromLastEventId] string? lastEventId)
    {
        if (!string.IsNullOrEmpty(client) && !ClientIds.IsValid(client))
        {
            return BadRequest($"A client id is 1 to {ClientIds.MaxLength} ASCII letters, digits or hyphens.");
        }

        if (!string.IsNullOrEmpty(client))
        {
            connections.Open(client, HttpContext);
            if (lastEventId is not null)
            {
                SampleLog.LiveStreamResumed(logger, ClientIds.Tag(client), channels.Length, lastEventId);
            }
        }

        return SseActionResult.Subscribe(channels, lastEventId);
    }

    /// <summary>Ends the client's open stream, as a lost connection would; its browser reconnects by itself.</summary>
    /// <param name="client">The client id the stream was opened with.</param>
    /// <returns>204 when a stream was dropped, 404 when none was open.</returns>
    [HttpPost("/live/drop")]
    public IActionResult Drop([FromQuery] string? client)
    {
        if (!ClientIds.IsValid(client) || !connections.Drop(client!))
        {
            return NotFound();
        }

        SampleLog.LiveStreamDropped(logger, ClientIds.Tag(client!));
        return NoContent();
    }
}
