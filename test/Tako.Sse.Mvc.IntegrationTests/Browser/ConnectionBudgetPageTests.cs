using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Controllers;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Browsers open six HTTP/1.1 connections per server at most, shared by every tab of a profile, and each open
// stream holds one. The page holds two streams (the chat and the one running demo card) and one short request
// at a time; a hidden tab holds the chat only. Each test runs a sample of its own, so that the server's count of
// open streams (tako.sse.active_streams) witnesses what the page holds.
[Collection(ChromiumCollection.Name)]
public class ConnectionBudgetPageTests(ChromiumFixture chromium)
{
    private const string Settled = """
        () => {
          const s = window.sample;
          return s.states.chat === 'open' && s.states.ticker === 'open'
            && s.progress.done && s.echo.runs.length === 1 && s.echo.runs[0].ended && s.states.clock === 'closed'
            && s.connections.waiting === 0;
        }
        """;

    [SkippableFact]
    public async Task SamplePage_EveryPanelAndButtonUsed_HoldsTwoStreamsAndNeverMoreThanThreeConnections()
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
        connections["max"].Should().Be(3, "two streams stay open and the short requests take one more, one at a time");
        connections["open"].Should().Be(2, "the chat and the running demo");
        (await page.TextAsync("#connections-max")).Should().Be("3");
        (await page.ReadAsync<Dictionary<string, int>>("window.sample.live.starts")).Should().Equal(new Dictionary<string, int>
        {
            ["ticker"] = 2,
            ["feed"] = 1,
            ["logs"] = 1,
            ["resume"] = 1,
        });
        var states = await page.ReadAsync<Dictionary<string, string>>("window.sample.states");
        states.Where(s => s.Value == "open").Select(s => s.Key).Should().BeEquivalentTo(["chat", "ticker"]);
        states.Where(s => s.Key is "feed" or "logs" or "resume").Should().OnlyContain(s => s.Value == "closed");
        await Poll.UntilAsync(() => streams.Sum() == 2, "the server to hold the page's two streams, and only those");
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
        await Poll.UntilAsync(() => streams.Sum() == 2, "the chat's and the ticker's streams, the start-up requests done");
        (await page.TextAsync("#feed-live")).Should().StartWith("paused");
        var measurementsBefore = streams.GetMeasurementSnapshot().Count;

        await page.Page.ClickAsync("#feed-start");
        await page.WaitForAsync("() => window.sample.states.feed === 'open' && window.sample.feed.events.length >= 1");

        (await page.ReadAsync<string>("window.sample.states.ticker")).Should().Be("closed");
        (await page.ReadAsync<List<string>>("window.sample.stateHistory.ticker")).Should().EndWith(["open", "closed"]);
        (await page.ReadAsync<string>("window.sample.live.running")).Should().Be("feed");
        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(2);
        (await page.TextAsync("#ticker-live")).Should().StartWith("paused");
        (await page.Page.IsEnabledAsync("#ticker-start")).Should().BeTrue();
        (await page.Page.IsEnabledAsync("#feed-start")).Should().BeFalse("it runs");

        // On the server: the feed's stream began and the ticker's ended; the two left are the chat and the feed.
        await Poll.UntilAsync(
            () => streams.GetMeasurementSnapshot().Skip(measurementsBefore).Count(m => m.Value == -1) == 1,
            "the ticker's stream to end on the server");
        streams.GetMeasurementSnapshot().Skip(measurementsBefore).Select(m => m.Value).Should().BeEquivalentTo([1L, -1L]);
        streams.Sum().Should().Be(2);
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1, "the chat stays open");
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Visibility_TabHiddenThenShown_ClosesTheDemoKeepsTheChatAndRestartsTheDemo()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        var (app, streams) = (sample.App, sample.Streams);
        await using var page = await sample.OpenAsync();
        await page.WaitForAsync(Settled);

        await page.SetVisibilityAsync("hidden");
        await page.WaitForAsync("() => window.sample.states.ticker === 'closed'");

        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(1, "a hidden tab holds the chat only");
        (await page.ReadAsync<string>("window.sample.states.chat")).Should().Be("open");
        (await page.TextAsync("#ticker-live")).Should().StartWith("paused while this tab is hidden");
        await Poll.UntilAsync(() => streams.Sum() == 1, "the ticker's stream to end on the server");
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1);

        await page.SetVisibilityAsync("visible");
        await page.WaitForAsync("() => window.sample.states.ticker === 'open' && window.sample.ticker.count >= 1");

        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(2);
        (await page.ReadAsync<int>("window.sample.live.hiddenStops")).Should().Be(1);
        (await page.ReadAsync<int>("window.sample.live.starts.ticker")).Should().Be(2);
        (await page.ReadAsync<List<string>>("window.sample.visibility")).Should().Equal(["visible", "hidden", "visible"]);
        await Poll.UntilAsync(() => streams.Sum() == 2, "the ticker's new stream on the server");
        page.Errors.Should().BeEmpty();
    }
}
