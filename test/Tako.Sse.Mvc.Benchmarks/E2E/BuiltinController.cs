using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// The built-in <c>TypedResults.ServerSentEvents</c> returned from a controller, so both sides pay the same
/// MVC pipeline and every difference is the SSE result's own.
/// </summary>
[ApiController]
[Route("builtin")]
public sealed class BuiltinController : ControllerBase
{
    private readonly E2EWorkload _workload;

    public BuiltinController(E2EWorkload workload) => _workload = workload;

    [HttpGet("burst")]
    public ServerSentEventsResult<string> Burst(int count) => TypedResults.ServerSentEvents(_workload.BuiltinBurst(count));

    [HttpGet("ticks")]
    public ServerSentEventsResult<string> Ticks(int count, int periodMs) =>
        TypedResults.ServerSentEvents(_workload.BuiltinTicks(count, TimeSpan.FromMilliseconds(periodMs)));

    [HttpGet("silent")]
    public ServerSentEventsResult<string> Silent() => TypedResults.ServerSentEvents(_workload.Silent<SseItem<string>>());

    [HttpGet("delayed")]
    public ServerSentEventsResult<string> Delayed(int delayMs) => TypedResults.ServerSentEvents(_workload.BuiltinDelayed(TimeSpan.FromMilliseconds(delayMs)));
}
