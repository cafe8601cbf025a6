using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>Our side of every figure, measured through MVC as an application would use the library.</summary>
[ApiController]
[Route("ours")]
public sealed class E2EController : ControllerBase
{
    private readonly E2EWorkload _workload;

    public E2EController(E2EWorkload workload) => _workload = workload;

    [HttpGet("burst")]
    public SseActionResult Burst(int count) => new(_workload.OursBurst(count));

    [HttpGet("ticks")]
    public SseActionResult Ticks(int count, int periodMs) => new(_workload.OursTicks(count, TimeSpan.FromMilliseconds(periodMs)));

    [HttpGet("silent")]
    public SseActionResult Silent() => new(_workload.Silent<SseEvent>());

    [HttpGet("delayed")]
    public SseActionResult Delayed(int delayMs) => new(_workload.OursDelayed(TimeSpan.FromMilliseconds(delayMs)));
}
