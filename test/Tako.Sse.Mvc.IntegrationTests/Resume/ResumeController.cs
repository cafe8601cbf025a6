using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Resume;

/// <summary>The pattern docs/reconnection.md teaches: the cursor binds as a number, the stream starts after it.</summary>
[ApiController]
public class ResumeController(NumberFeed feed) : ControllerBase
{
    [HttpGet("/resume/numbers")]
    public SseActionResult Numbers([FromLastEventId] long? after) => new(Events(after ?? 0));

    private async IAsyncEnumerable<SseEvent> Events(long after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var n in feed.ReadAfterAsync(after, cancellationToken))
        {
            var id = n.ToString(CultureInfo.InvariantCulture);
            yield return SseEvent.FromData("event " + id).WithId(id);
        }
    }
}
