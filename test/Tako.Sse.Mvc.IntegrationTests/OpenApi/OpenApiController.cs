using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.OpenApi;

public sealed record OpenApiOrder(int Id, string Customer);

public sealed record OpenApiNote(string Text);

[ApiController]
public sealed class OpenApiController : ControllerBase
{
    [HttpGet("/openapi-test/mvc/orders")]
    [ProducesServerSentEvents(typeof(OpenApiOrder), "order")]
    [ProducesServerSentEvents(typeof(OpenApiNote), "note")]
    public SseActionResult Orders() => new(AsyncEnumerable.Empty<SseEvent>());

    [HttpGet("/openapi-test/mvc/board")]
    [ProducesServerSentEvents(typeof(OpenApiNote), "note", ChannelSubscription = true)]
    public SseActionResult Board([FromLastEventId] string? last) => SseActionResult.Subscribe("board", last);

    [HttpGet("/openapi-test/mvc/plain")]
    public SseActionResult Plain() => new(AsyncEnumerable.Empty<SseEvent>());
}
