using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>Echoes what the helpers and the binders make of the cursor, as text: "null" when absent.</summary>
[ApiController]
[SuppressMessage("Performance", "CA1024", Justification = "Actions.")]
public class LastEventIdController : ControllerBase
{
    [HttpGet("/headers/id/helpers")]
    public string Helpers() =>
        $"{Request.GetLastEventId() ?? "null"}|{(Request.GetLastEventIdBytes() is { } bytes ? Convert.ToHexString(bytes) : "null")}";

    [HttpGet("/headers/id/string")]
    public string String([FromHeader(Name = "Last-Event-ID")] string? id) => id ?? "null";

    [HttpGet("/headers/id/long")]
    public string Long([FromHeader(Name = "Last-Event-ID")] long? id) => id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    [HttpGet("/headers/id/int")]
    public string Int([FromHeader(Name = "Last-Event-ID")] int? id) => id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    [HttpGet("/headers/id/guid")]
    public string Guid([FromHeader(Name = "Last-Event-ID")] Guid? id) => id?.ToString() ?? "null";

    [HttpGet("/headers/id/cursor")]
    public string Cursor([FromHeader(Name = "Last-Event-ID")] LastEventId? id) =>
        id is { } cursor ? $"{cursor.Text ?? "null"}|{Convert.ToHexString(cursor.Bytes.Span)}" : "null";

    [HttpGet("/headers/id/fallback")]
    public string Fallback([FromLastEventId] long? id) => id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    [HttpGet("/headers/stream/long")]
    public SseActionResult Stream([FromHeader(Name = "Last-Event-ID")] long? after) => LastEventIdStreams.From(after);

    [HttpGet("/headers/id/fallback-cursor")]
    public string FallbackCursor([FromLastEventId] LastEventId id) => id.IsEmpty ? "null" : id.ToString();
}
