using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Node;

/// <summary>
/// A stream whose first connection hands out an id of another format (an older deploy's) and ends; the reconnect
/// sends it back to a <c>long?</c> parameter under <c>[ApiController]</c>.
/// </summary>
[ApiController]
public class NodeReconnectController : ControllerBase
{
    [HttpGet("/node/reconnect")]
    public SseActionResult Reconnect([FromHeader(Name = "Last-Event-ID")] long? after) =>
        new(Request.Headers.ContainsKey("Last-Event-ID") ? Resumed(after) : Old());

    private static async IAsyncEnumerable<SseEvent> Old()
    {
        await Task.Yield();
        yield return SseEvent.FromData("old").WithId("v1:order-17").WithRetry(TimeSpan.FromMilliseconds(100));
    }

    private static async IAsyncEnumerable<SseEvent> Resumed(long? after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return SseEvent.FromData($"after={after?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}").WithId("1");
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
