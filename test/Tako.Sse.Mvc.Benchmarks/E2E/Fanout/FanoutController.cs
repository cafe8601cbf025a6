using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>Both SSE sides of the fan-out run, through the same MVC pipeline.</summary>
[ApiController]
[Route("fanout")]
public sealed class FanoutController : ControllerBase
{
    private static long s_nextSubscriber;

    [HttpGet("ours")]
    public SseActionResult Ours() => SseActionResult.Subscribe(FanoutSides.Channel);

    // A stream of several channels: the shared one the run publishes to, and seven of its own that stay silent,
    // as a page with a chat room, the user's notifications and a few tiles would hold.
    [HttpGet("multi")]
    public SseActionResult Multi()
    {
        var own = Interlocked.Increment(ref s_nextSubscriber);
        return SseActionResult.Subscribe([FanoutSides.Channel, .. Enumerable.Range(1, FanoutSides.OwnChannels).Select(j => $"own{own}-{j}")]);
    }

    // The fanout-cluster run: each stream on the next of many channels, in turn.
    [HttpGet("spread")]
    public SseActionResult Spread([FromServices] FanoutSpread spread) => SseActionResult.Subscribe(spread.Next());

    [HttpGet("naive")]
    public ServerSentEventsResult<string> Naive([FromServices] NaiveFanout fanout) =>
        TypedResults.ServerSentEvents(fanout.SubscribeAsync(HttpContext.RequestAborted));
}
