using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Controllers;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Ten tabs of ONE browser (pages of one context: they share the browser's six HTTP/1.1 connections per server).
// An EventSource per tab would leave four of them waiting; the page's SharedWorker holds one stream for all.
[Collection(ChromiumCollection.Name)]
public class LiveTabsPageTests(ChromiumFixture chromium)
{
    private const int TabCount = 10;

    [SkippableFact]
    public async Task Live_TenTabsOfOneBrowser_AllReceiveWhatOnePostsAndThePostFromTheTenthGoesThrough()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        var (app, streams) = (sample.App, sample.Streams);

        // Each new tab comes to the front and hides the one that was there, as in a browser's window.
        var tabs = new List<SamplePage>();
        try
        {
            tabs.Add(await sample.OpenAsync());
            await tabs[0].WaitForAsync(LivePage.Ready);
            (await tabs[0].ReadAsync<string>("window.sample.shared.via")).Should().Be("worker", "headless Chromium has SharedWorker");
            while (tabs.Count < TabCount)
            {
                await tabs[^1].SetVisibilityAsync("hidden");
                tabs.Add(await tabs[0].OpenTabAsync());
                await tabs[^1].WaitForAsync(LivePage.Ready);
            }

            // One stream for the ten tabs, and the front tab's demo.
            await Poll.UntilAsync(() => streams.Sum() == 2, "the shared stream and the front tab's demo, and no more, on the server");
            app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1, "ten tabs, one subscriber");
            var tag = Guid.NewGuid().ToString("N")[..8];

            // The first tab comes back to the front and posts; then the tenth does.
            var first = tabs[0];
            var tenth = tabs[^1];
            await tenth.SetVisibilityAsync("hidden");
            await first.SetVisibilityAsync("visible");
            await ChatPageTests.SendAsync(first, $"from the first tab {tag}");
            await Task.WhenAll(tabs.Select(t => t.WaitForAsync(LivePage.Received, $"from the first tab {tag}")));

            await first.SetVisibilityAsync("hidden");
            await tenth.SetVisibilityAsync("visible");
            await ChatPageTests.SendAsync(tenth, $"from the tenth tab {tag}");
            await Task.WhenAll(tabs.Select(t => t.WaitForAsync(LivePage.Received, $"from the tenth tab {tag}")));

            foreach (var tab in tabs)
            {
                var lines = await tab.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages");
                lines.Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).Select(m => m.Text)
                    .Should().Equal($"from the first tab {tag}", $"from the tenth tab {tag}");
                (await tab.ReadAsync<int>("window.sample.chat.duplicates")).Should().Be(0);
                (await tab.ReadAsync<int>("window.sample.shared.opens")).Should().Be(1, "the worker opened the stream once, for the first tab");
                tab.Errors.Should().BeEmpty();
            }

            await Poll.UntilAsync(() => streams.Sum() == 2, "still one shared stream and one demo after the posts");
        }
        finally
        {
            foreach (var tab in Enumerable.Reverse(tabs))
            {
                await tab.DisposeAsync();
            }
        }
    }
}
