using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.Sample.Chat;
using Tako.Sse.Mvc.Sample.Services;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>
/// A chat room on one channel. Public by design: anyone who opens the page reads and writes it. A channel
/// that is not public takes its name from the authenticated user, never from the request (see
/// <see cref="NotificationsController"/>).
/// </summary>
/// <param name="hub">Publishes to the channel and keeps its history for reconnects.</param>
/// <param name="connections">The open streams, so one can be dropped on request.</param>
/// <param name="timeProvider">Stamps each message.</param>
/// <param name="logger">Logs reconnects and drops.</param>
public sealed class ChatController(ISseHub hub, ChatConnections connections, TimeProvider timeProvider, ILogger<ChatController> logger) : ControllerBase
{
    /// <summary>The public chat channel.</summary>
    public const string Channel = "chat";

    /// <summary>The event name of a chat message.</summary>
    public const string EventName = "chat";

    private const int MaxNameLength = 40;
    private const int MaxTextLength = 500;

    /// <summary>
    /// The room's messages as they are posted. On a reconnect the browser sends the last id it saw as
    /// <c>Last-Event-ID</c>, and the messages it missed come first, from the channel's history.
    /// </summary>
    /// <param name="client">An id the page chose, so that its "drop connection" button finds this stream.</param>
    /// <param name="lastEventId">The last id the browser saw, on a reconnect.</param>
    /// <returns>The stream, or 400 for a client id that is not 1 to 64 letters, digits or hyphens.</returns>
    [HttpGet("/chat")]
    [ProducesServerSentEvents(typeof(ChatMessage), EventName, ChannelSubscription = true)]
    public IActionResult Subscribe([FromQuery] string? client, [FromHeader(Name = "Last-Event-ID")] string? lastEventId)
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
                SampleLog.ChatStreamResumed(logger, ClientIds.Tag(client), lastEventId);
            }
        }

        return SseActionResult.Subscribe(Channel, lastEventId);
    }

    /// <summary>Publishes a message to everyone in the room.</summary>
    /// <param name="post">The name and the text.</param>
    /// <param name="cancellationToken">Fires when the client goes away.</param>
    /// <returns>202 with the id the hub gave the message, or 400 for an empty or too long name or text.</returns>
    [HttpPost("/chat")]
    public async Task<IActionResult> Publish([FromBody] ChatPost post, CancellationToken cancellationToken)
    {
        var name = post.Name?.Trim();
        var text = post.Text?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || string.IsNullOrEmpty(text) || text.Length > MaxTextLength)
        {
            return BadRequest($"Send a name of 1 to {MaxNameLength} characters and a text of 1 to {MaxTextLength}.");
        }

        var message = new ChatMessage(name, text, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        // The app's JSON options (MVC's here), the same SseActionResult.Json uses: no serializer call of our own.
        var id = await hub.PublishJsonAsync(Channel, message, EventName, cancellationToken);
        return Accepted(new { id });
    }

    /// <summary>Ends the client's open stream, as a lost connection would; its browser reconnects by itself.</summary>
    /// <param name="client">The client id the stream was opened with.</param>
    /// <returns>204 when a stream was dropped, 404 when none was open.</returns>
    [HttpPost("/chat/drop")]
    public IActionResult Drop([FromQuery] string? client)
    {
        if (!ClientIds.IsValid(client) || !connections.Drop(client!))
        {
            return NotFound();
        }

        SampleLog.ChatStreamDropped(logger, ClientIds.Tag(client!));
        return NoContent();
    }
}
