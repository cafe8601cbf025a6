using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>Both SSE sides of the fan-out run, through the same MVC pipeline.</summary>
[ApiController]
[Route("fanout")]
public sealed class FanoutController : ControllerBase
{
    [HttpGet("ours")]
    public SseActionResult Ours() => SseActionResult.Subscribe(FanoutSides.Channel);

    [HttpGet("naive")]
    public ServerSentEventsResult<string> Naive([FromServices] NaiveFanout fanout) =>
        TypedResults.ServerSentEvents(fanout.SubscribeAsync(HttpContext.RequestAborted));
}
