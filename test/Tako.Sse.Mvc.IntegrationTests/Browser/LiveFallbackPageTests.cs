using Tako.Sse.Mvc.IntegrationTests.Channels;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Where SharedWorker is missing, the tab holds the page's one stream itself: the same events, one more
// connection of its own.
[Collection(ChromiumCollection.Name)]
public class LiveFallbackPageTests(ChromiumFixture chromium)
{
    [SkippableFact]
    public async Task Live_NoSharedWorker_TheTabHoldsTheOneStreamAndReceivesChatAndTiles()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        await using var page = await SamplePage.OpenAsync(sample.Browser, sample.App.BaseAddress, "delete window.SharedWorker;");
        await page.WaitForAsync(LivePage.Ready);
        var text = $"without a worker {Guid.NewGuid():N}";

        await ChatPageTests.SendAsync(page, text);
        await page.WaitForAsync(LivePage.Received, text);
        await page.WaitForAsync("() => Object.keys(window.sample.tiles.values).length === 3");

        (await page.ReadAsync<string>("window.sample.shared.via")).Should().Be("tab");
        await page.WaitForAsync("() => window.sample.connections.open === 2");
        (await page.ReadAsync<int>("window.sample.connections.open")).Should().Be(2, "its own stream for the channels and the running demo");
        await Poll.UntilAsync(() => sample.Streams.Sum() == 2, "the tab's stream for the channels and its demo on the server");
        page.Errors.Should().BeEmpty();
    }
}
