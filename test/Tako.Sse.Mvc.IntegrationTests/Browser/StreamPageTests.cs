using System.Globalization;
using System.Text.RegularExpressions;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// What Chromium's EventSource makes of the sample's streams.
[Collection(ChromiumCollection.Name)]
public class StreamPageTests(ChromiumFixture chromium)
{
    public sealed record FeedEvent(string Type, string Id, string Data);

    [SkippableFact]
    public async Task Feed_NamedEvents_ArriveThroughAddEventListener()
    {
        await using var page = await chromium.OpenSampleAsync();

        // The demo cards take turns on one stream; the ticker runs first.
        await page.Page.ClickAsync("#feed-start");
        await page.WaitForAsync("() => ['price', 'news'].every(type => window.sample.feed.events.some(e => e.type === type))");

        var events = await page.ReadAsync<List<FeedEvent>>("window.sample.feed.events");
        events[0].Should().Be(new FeedEvent("message", "", "hello"), "an event without a name goes to onmessage");
        var named = events.Skip(1).ToList();
        named.Select(e => e.Type).Should().OnlyContain(type => type == "price" || type == "news");
        named.Select(e => long.Parse(e.Id, CultureInfo.InvariantCulture)).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        named.Where(e => e.Type == "price").Should().OnlyContain(e => Regex.IsMatch(e.Data, @"^TAKO \d+\.\d\d$"));
        named.Should().Contain(e => e.Type == "news" && e.Id == "4");
        (await page.TextAsync("#feed-rows")).Should().Contain("news");
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Progress_JobRuns_BarReaches100ThenThePageClosesTheStream()
    {
        await using var page = await chromium.OpenSampleAsync();

        await page.WaitForAsync("() => window.sample.progress.done");

        var seen = await page.ReadAsync<List<int>>("window.sample.progress.seen");
        seen.Should().BeInAscendingOrder().And.EndWith(100);
        (await page.TextAsync("#progress-percent")).Should().Be("100%");
        (await page.Page.Locator("#progress-fill").GetAttributeAsync("style")).Should().Contain("width: 100%");
        (await page.TextAsync("#progress-status")).Should().MatchRegex(@"^job \d+ finished$");
        (await page.TextAsync(".state[data-stream=progress]")).Should().Be("closed");
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Ticker_KeepAliveComments_NeverReachOnMessage()
    {
        await using var page = await chromium.OpenSampleAsync();

        // The same endpoint with the same options, read raw: the keep-alive comment is really on the wire.
        using var raw = await chromium.Sample!.Client.OpenAsync("/events");
        await raw.ReadTextUntilAsync(":keepalive\n\n", "data: tick: 1\n\n");
        await page.WaitForAsync("() => window.sample.ticker.count >= 3");

        var messages = await page.ReadAsync<List<string>>("window.sample.ticker.messages");
        messages.Should().StartWith(["tick: 0", "tick: 1", "tick: 2"], "keep-alives (every 200 ms of silence) arrived between the ticks");
        messages.Should().OnlyContain(m => m.StartsWith("tick: ", StringComparison.Ordinal));
        (await page.ReadAsync<List<string>>("window.sample.ticker.stray")).Should().BeEmpty();
        (await page.TextAsync("#ticker-stray")).Should().Be("0");
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Logs_LiveTail_ShowsEntriesAsTheyAreLogged()
    {
        await using var page = await chromium.OpenSampleAsync();

        await page.Page.ClickAsync("#logs-start");
        await page.WaitForAsync("() => document.querySelectorAll('#log-pane li').length >= 3");

        (await page.TextAsync("#log-pane")).Should().Contain("OrderSimulator: Order 10");
        page.Errors.Should().BeEmpty();
    }
}
