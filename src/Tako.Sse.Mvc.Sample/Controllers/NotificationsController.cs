using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.Sample.Identity;
using Tako.Sse.Mvc.Sample.Notifications;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>
/// A private channel per signed-in user. The channel's name comes from the authenticated user on the server;
/// no route, query or header value chooses it. It is also a user channel (<c>notifications#name</c>), so even an
/// endpoint that let the request choose could not open another user's: Tako.Sse.Mvc refuses it with 403. An
/// anonymous request gets 401 before any stream starts.
/// </summary>
/// <param name="hub">Publishes to the user's channel and keeps its history for reconnects.</param>
[Authorize]
public sealed class NotificationsController(ISseHub hub) : ControllerBase
{
    /// <summary>The event name of a notification.</summary>
    public const string EventName = "notification";

    private const int MaxTextLength = 500;

    /// <summary>The signed-in user's own notifications, resumed from the history after a reconnect.</summary>
    /// <param name="lastEventId">The last id the browser saw, on a reconnect.</param>
    /// <returns>The stream.</returns>
    [HttpGet("/me/notifications")]
    [ProducesServerSentEvents(typeof(string), EventName, ChannelSubscription = true)]
    public SseActionResult Subscribe([FromHeader(Name = "Last-Event-ID")] string? lastEventId) =>
        SseActionResult.Subscribe(UserChannel.For(User), lastEventId);

    /// <summary>
    /// Sends the signed-in user a notification, as the application would from anywhere (a background service
    /// publishes to <see cref="UserChannel.For(string)"/> of the user it means).
    /// </summary>
    /// <param name="post">The notification.</param>
    /// <param name="cancellationToken">Fires when the client goes away.</param>
    /// <returns>202 with the id the hub gave the notification, or 400 for an empty or too long text.</returns>
    [HttpPost("/me/notifications")]
    public async Task<IActionResult> Notify([FromBody] NotificationPost post, CancellationToken cancellationToken)
    {
        var text = post.Text;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength)
        {
            return BadRequest($"Send a text of 1 to {MaxTextLength} characters.");
        }

        var id = await hub.PublishAsync(UserChannel.For(User), SseEvent.FromData(text).WithEvent(EventName), cancellationToken);
        return Accepted(new { id });
    }
}
