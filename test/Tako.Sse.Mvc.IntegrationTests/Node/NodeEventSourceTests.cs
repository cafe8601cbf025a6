using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Node;

/// <summary>A real EventSource (npm's eventsource, as Node apps and tests use it) against typed Last-Event-ID binding.</summary>
public class NodeEventSourceTests
{
    [SkippableFact]
    public async Task EventSource_ReconnectsWithIdOfAnotherFormat_GetsAFreshStreamAndStaysOpen()
    {
        NodeEventSource.SkipUnlessAvailable();
        await using var app = await TestApp.StartAsync(services: s => s.AddTakoSse());

        var lines = await NodeEventSource.RunAsync(new Uri(app.BaseAddress, "/node/reconnect"));

        // The reconnect carries "v1:order-17" to a long? parameter: bound as null (a fresh start), answered 200,
        // so the client opens again instead of closing for good (readyState 2) as it does on a 400.
        lines.Should().Equal("open", "message v1:order-17 old", "error 0", "open", "message 1 after=null", "state 1");
    }
}
