using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.Sample.Logging;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>A live tail of the application's own log.</summary>
/// <param name="tail">The in-memory log broadcaster.</param>
public sealed class LogsController(LogTail tail) : ControllerBase
{
    /// <summary>The recent log lines, then each new one as it is written, as JSON <c>log</c> events.</summary>
    /// <returns>The stream.</returns>
    [HttpGet("/logs")]
    [ProducesServerSentEvents(typeof(LogEntry), "log")]
    public SseActionResult Logs() => SseActionResult.Json(tail.FollowAsync(), "log");
}
