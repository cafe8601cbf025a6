using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

[Route("channels")]
public sealed class ChannelsController : ControllerBase
{
    // Test-only: the channel name comes from the route. A real app must check that the user may read it
    // (docs/channels.md, "Who may subscribe").
    [HttpGet("open/{name}")]
    public SseActionResult Open(string name, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) =>
        SseActionResult.Subscribe(name, lastEventId);

    [HttpGet("cursor/{name}")]
    public SseActionResult OpenWithCursor(string name, [FromLastEventId] string? lastEventId) =>
        SseActionResult.Subscribe(name, lastEventId);

    // Several channels on one stream; the list comes from the query string (?channel=a&channel=b).
    [HttpGet("many")]
    public SseActionResult Many([FromQuery(Name = "channel")] string[] channels, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) =>
        SseActionResult.Subscribe(channels, lastEventId);

    // The private per-user channel: the name comes from the authenticated user, never from the request.
    [Authorize]
    [HttpGet("mine")]
    public SseActionResult Mine([FromLastEventId] string? lastEventId) =>
        SseActionResult.Subscribe(ChannelsApp.UserChannel(User.FindFirstValue(ClaimTypes.NameIdentifier)!), lastEventId);
}
