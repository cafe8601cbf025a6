using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The client goes away: the source is cancelled and disposed, and it is not worth a log line above Debug.</summary>
public class ActionDisconnectTests
{
    [Fact]
    public async Task SseActionResult_ClientDisconnects_SourceCancelledAndDisposedAndNothingLoggedAboveDebug()
    {
        await using var app = await ActionApp.StartAsync();

        // What any request logs above Debug (Hosting, routing, MVC at Information) is the baseline.
        using (var completed = await app.Client.OpenAsync("/action/gated?ready=1&gate=open"))
        {
            app.Probe().Open("open");
            (await completed.ReadAllAsync()).Should().HaveCount(2);
        }

        await app.Logs.WaitForRequestsFinishedAsync(1);
        var baseline = app.Logs.Above(LogLevel.Debug).Select(r => (r.Category, r.Id.Id)).ToHashSet();
        app.Logs.Clear();

        var response = await app.Client.OpenAsync("/action/gated?ready=1&gate=never");
        await using (var events = await response.EventsAsync())
        {
            (await events.NextAsync()).Data.Should().Be("ready 1");
            await app.Probe().WaitForAsync("gated.waiting", 2);
        }

        response.Dispose();

        await app.Probe().WaitForAsync("cancelled");
        await app.Probe().WaitForAsync("disposed", 2);
        await app.Logs.WaitForAsync("SseClientDisconnected");
        await app.Logs.WaitForRequestsFinishedAsync(1);
        var above = app.Logs.Above(LogLevel.Debug).ToList();
        above.Where(r => !baseline.Contains((r.Category, r.Id.Id))).Should().BeEmpty(
            "a disconnect adds nothing above Debug in any category, Kestrel's included: {0}", above.Describe());
    }

    [Fact]
    public async Task SseActionResult_ClientDisconnectsWhileSourceIgnoresItsToken_ResponseEndsAndSourceIsDisposedWhenItReturns()
    {
        await using var app = await ActionApp.StartAsync();
        var response = await app.Client.OpenAsync("/action/ignoring");
        await using (var events = await response.EventsAsync())
        {
            (await events.NextAsync()).Data.Should().Be("first");
        }

        response.Dispose();

        // The request is over although the source is still stuck in its MoveNextAsync.
        await app.Logs.WaitForAsync("SseSourceAbandoned");
        await app.Logs.WaitForRequestsFinishedAsync(1);
        app.Probe().Count("disposed").Should().Be(0);

        app.Probe().Open("ignoring");

        await app.Probe().WaitForAsync("disposed");
        app.Probe().Count("ignoring.returned").Should().Be(1);
        app.Probe().Count("cancelled").Should().Be(1, "the source's token was cancelled even though it did not listen");
        app.Probe().Count("ignoring.resumed").Should().Be(0, "the item it produced late is dropped: the enumerator is disposed, not advanced");
        app.Logs.Above(LogLevel.Information).Should().BeEmpty();
    }
}
