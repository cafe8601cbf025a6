using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>The README's quick-start flavour: a controller without <c>[ApiController]</c>.</summary>
[SuppressMessage("Performance", "CA1024", Justification = "Actions.")]
public class PlainLastEventIdController : ControllerBase
{
    [HttpGet("/plain/id/long")]
    public string Long([FromHeader(Name = "Last-Event-ID")] long? id) => id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    [HttpGet("/plain/id/guid")]
    public string Guid([FromHeader(Name = "Last-Event-ID")] Guid? id) => id?.ToString() ?? "null";

    [HttpGet("/plain/id/fallback-guid")]
    public string FallbackGuid([FromLastEventId] Guid? id) => id?.ToString() ?? "null";

    [HttpGet("/plain/stream/long")]
    public SseActionResult Stream([FromLastEventId] long? after) => LastEventIdStreams.From(after);
}
