using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

[ApiController]
public class SseHeadersController : ControllerBase
{
    [HttpGet("/headers/action")]
    public SseActionResult Action() => new(Events());

    private static async IAsyncEnumerable<SseEvent> Events([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        yield return SseEvent.FromData("x").WithId("1");
    }
}
