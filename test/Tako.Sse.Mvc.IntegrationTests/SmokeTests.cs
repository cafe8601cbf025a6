using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests;

public class SmokeTests
{
    [Fact]
    public async Task SseActionResult_ThreeEvents_ArriveParsedOverKestrel()
    {
        await using var app = await TestApp.StartAsync();
        using var response = await app.Client.OpenAsync("/smoke/three");

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var items = await response.ReadAllAsync();
        items.Select(i => (i.EventType, i.Data, i.EventId)).Should().Equal(
            ("message", "one", "1"), ("message", "two", "2"), ("named", "three", "3"));
    }
}

[ApiController]
public class SmokeController : ControllerBase
{
    [HttpGet("/smoke/three")]
    public SseActionResult Three() => new(Events());

    private static async IAsyncEnumerable<SseEvent> Events([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return SseEvent.FromData("one").WithId("1");
        await Task.Yield();
        yield return SseEvent.FromData("two").WithId("2");
        yield return SseEvent.FromData("three").WithId("3").WithEvent("named");
        cancellationToken.ThrowIfCancellationRequested();
    }
}
