using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Controllers;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Browsers open six HTTP/1.1 connections per server at most, shared by every tab of a profile, and each open
// stream holds one. The page's one stream for its channels is held by a SharedWorker for every tab (not counted
// in the tab's own connections); the tab holds the one running demo card and one short request at a time, and a
// hidden tab holds none. Each test runs a sample of its own, so that the server's count of
// open streams (tako.sse.active_streams) witnesses what the page holds.
[Collection(ChromiumCollection.Name)]
public class ConnectionBudgetPageTests(ChromiumFixture chromium)
{
    private const string Settled = """
        () => {
          const s = window.sample;
          return s.states.live === 'open' && s.states.ticker === 'open'
            && s.progress.done && s.echo.runs.length === 1 && s.echo.runs[0].ended && s.states.clock === 'closed'
            && s.connections.waiting === 0;
        }
        """;

    [SkippableFact]
    public async Task SamplePage_EveryPanelAndButtonUsed_HoldsTheSharedStreamAndOneDemoAndNeverMoreThanTwoConnectionsOfItsOwn()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        var (app, streams) = (sample.App, sample.Streams);
        await using var page = await sample.OpenAsync();
        await page.WaitForAsync(Settled);

        // Everything that takes a short connection, asked for at once, while the demo cards take turns.
        await page.Page.FillAsync("#chat-input", "counting connections");
        await page.Page.ClickAsync("#chat-send");
        await page.Page.ClickAsync("#progress-run");
        await page.Page.ClickAsync("#echo-send");
        await page.Page.ClickAsync("#clock-read");
        await page.Page.ClickAsync("#feed-start");
        await page.Page.ClickAsync("#logs-start");
        await page.Page.ClickAsync("#resume-start");
        await page.WaitForAsync("() => window.sample.resume.numbers.length >= 1");
        await page.Page.ClickAsync("#resume-drop");
        await page.WaitForAsync("() => window.sample.resume.resumedAfter.length === 1");
        await page.Page.ClickAsync("#ticker-start");
        await page.WaitForAsync("""
            () => {
              const s = window.sample;
              return s.chat.messages.some(m => m.text === 'counting connections')
                && s.progress.runs === 2 && s.progress.done
                && s.echo.runs.length === 2 && s.echo.runs[1].ended
                && s.states.clock === 'closed' && s.states.ticker === 'open'
                && s.connections.waiting === 0;
            }
            """);

        var connections = await page.ReadAsync<Dictionary<string, int>>("window.sample.connections");
        connections["max"].Should().Be(2, "the demo stays open and the short requests take one more, one at a time");
        connections["open"].Should().Be(1, "the running demo; the shared stream is the worker's");
        (await page.TextAsync("#connections-max")).Should().Be("2");
        (await page.ReadAsync<Dictionary<string, int>>("window.sample.live.starts")).Should().Equal(new Dictionary<string, int>
        {
            ["ticker"] = 2,
            ["feed"] = 1,
            ["logs"] = 1,
            ["resume"] = 1,
        });
        var states = await page.ReadAsync<Dictionary<string, string>>("window.sample.states");
        states.Where(s => s.Value == "open").Select(s => s.Key).Should().BeEquivalentTo(["live", "ticker"]);
        states.Where(s => s.Key is "feed" or "logs" or "resume").Should().OnlyContain(s => s.Value == "closed");
        await Poll.UntilAsync(() => streams.Sum() == 2, "the server to hold the shared stream and the demo's, and only those");
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1);
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task DemoStart_FeedWhileTickerRuns_ClosesTheTickersStream()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        var (app, streams) = (sample.App, sample.Streams);
        await using var page = await sample.OpenAsync();
        await page.WaitForAsync(Settled);
        await Poll.UntilAsync(() => streams.Sum() == 2, "the shared stream and the ticker's, the start-up requests done");
        (await page.TextAsync("#feed-live")).Should().StartWith("paused");
        var measurementsBefore = streams.GetMeasurementSnapshot().Count;

        await page.Page.ClickAsync("#feed-start");
        await page.WaitForAsync("() => window.sample.states.feed === 'open' && window.sample.feed.events.length >= 1");

        (await page.ReadAsync<string>("window.sample.states.ticker")).Should().Be("closed");
        (await page.ReadAsync<List<string>>("window.sample.stateHistory.ticker")).Should().EndWith(["open", "closed"]);
        (await page.ReadAsync<string>("window.sample.live.running")).Should().Be("feed");
        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(1);
        (await page.TextAsync("#ticker-live")).Should().StartWith("paused");
        (await page.Page.IsEnabledAsync("#ticker-start")).Should().BeTrue();
        (await page.Page.IsEnabledAsync("#feed-start")).Should().BeFalse("it runs");

        // On the server: the feed's stream began and the ticker's ended; the two left are the shared one and the feed.
        await Poll.UntilAsync(
            () => streams.GetMeasurementSnapshot().Skip(measurementsBefore).Count(m => m.Value == -1) == 1,
            "the ticker's stream to end on the server");
        streams.GetMeasurementSnapshot().Skip(measurementsBefore).Select(m => m.Value).Should().BeEquivalentTo([1L, -1L]);
        streams.Sum().Should().Be(2);
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1, "the shared stream stays open");
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Visibility_TabHiddenThenShown_ClosesTheDemoKeepsTheSharedStreamAndRestartsTheDemo()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        var (app, streams) = (sample.App, sample.Streams);
        await using var page = await sample.OpenAsync();
        await page.WaitForAsync(Settled);

        await page.SetVisibilityAsync("hidden");
        await page.WaitForAsync("() => window.sample.states.ticker === 'closed'");

        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(0, "a hidden tab holds nothing of its own");
        (await page.ReadAsync<string>("window.sample.states.live")).Should().Be("open");
        (await page.TextAsync("#ticker-live")).Should().StartWith("paused while this tab is hidden");
        await Poll.UntilAsync(() => streams.Sum() == 1, "the ticker's stream to end on the server");
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1);

        await page.SetVisibilityAsync("visible");
        await page.WaitForAsync("() => window.sample.states.ticker === 'open' && window.sample.ticker.count >= 1");

        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(1);
        (await page.ReadAsync<int>("window.sample.live.hiddenStops")).Should().Be(1);
        (await page.ReadAsync<int>("window.sample.live.starts.ticker")).Should().Be(2);
        (await page.ReadAsync<List<string>>("window.sample.visibility")).Should().Equal(["visible", "hidden", "visible"]);
        await Poll.UntilAsync(() => streams.Sum() == 2, "the ticker's new stream on the server");
        page.Errors.Should().BeEmpty();
    }
}
