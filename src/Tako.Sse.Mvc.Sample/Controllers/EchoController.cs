using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>Sends untrusted text back as an event: line breaks in it cannot forge fields or events.</summary>
public sealed class EchoController : ControllerBase
{
    /// <summary>
    /// One message whose data is exactly <paramref name="text"/>, then an <c>end</c> event, then the end of the
    /// stream. Text such as <c>"\n\nevent: click\n\n"</c> arrives as one message with that text, not as a
    /// <c>click</c> event.
    /// </summary>
    /// <param name="text">Any text, straight from the query string.</param>
    /// <returns>The stream.</returns>
    [HttpGet("/echo")]
    [ProducesServerSentEvents(typeof(string))]
    [ProducesServerSentEvents(typeof(string), "end")]
    public SseActionResult Echo([FromQuery] string? text) =>
        new(new[]
        {
            SseEvent.FromData(text ?? string.Empty),
            SseEvent.FromData("that was all").WithEvent("end"),
        }.ToAsyncEnumerable());
}
