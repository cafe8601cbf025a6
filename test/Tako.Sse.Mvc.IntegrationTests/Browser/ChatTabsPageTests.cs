using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Controllers;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Tabs of ONE browser (pages of one context: one profile, so they share the browser's six connections per server)
// on the sample's chat. Headless Chromium shows every tab at once (each reports `visible`), so the tests that
// need the browser's usual "one tab in front" switch tabs with SamplePage.SetVisibilityAsync. The tabs share the
// page's one stream, which a SharedWorker holds (LiveTabsPageTests takes ten tabs).
[Collection(ChromiumCollection.Name)]
public class ChatTabsPageTests(ChromiumFixture chromium)
{
    private const string Ready = LivePage.Ready;

    private const string Received = LivePage.Received;

    [SkippableFact]
    public async Task Chat_TwoVisibleTabsOfOneBrowser_WhatEachTypesAppearsInTheOther()
    {
        await using var first = await chromium.OpenSampleAsync();
        await using var second = await first.OpenTabAsync();
        await Task.WhenAll(first.WaitForAsync(Ready), second.WaitForAsync(Ready));
        var tag = Guid.NewGuid().ToString("N")[..8];

        await ChatPageTests.SendAsync(first, $"from the first tab {tag}");
        await second.WaitForAsync(Received, $"from the first tab {tag}");
        await ChatPageTests.SendAsync(second, $"from the second tab {tag}");
        await first.WaitForAsync(Received, $"from the second tab {tag}");

        foreach (var tab in new[] { first, second })
        {
            var lines = await tab.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages");
            lines.Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).Select(m => m.Text)
                .Should().Equal($"from the first tab {tag}", $"from the second tab {tag}");
            (await tab.ReadAsync<int>("window.sample.connections.open")).Should().Be(1, "each visible tab holds its demo; the shared stream is the worker's");
            (await tab.ReadAsync<int>("window.sample.chat.duplicates")).Should().Be(0);
            tab.Errors.Should().BeEmpty();
        }
    }

    [SkippableFact]
    public async Task Chat_ThreeTabsOfOneBrowser_EveryTabReceivesWhatAnyTabPosts()
    {
        await using var sample = await OwnSample.StartAsync(chromium);
        var (app, streams) = (sample.App, sample.Streams);

        // Each new tab comes to the front and hides the one that was there, as in a browser's window.
        await using var first = await sample.OpenAsync();
        await first.WaitForAsync(Ready);
        await first.SetVisibilityAsync("hidden");
        await using var second = await first.OpenTabAsync();
        await second.WaitForAsync(Ready);
        await second.SetVisibilityAsync("hidden");
        await using var third = await first.OpenTabAsync();
        await third.WaitForAsync(Ready);
        await Poll.UntilAsync(() => streams.Sum() == 2, "the tabs' one shared stream and the front tab's demo on the server");
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(1, "three tabs, one stream");
        SamplePage[] tabs = [first, second, third];
        var tag = Guid.NewGuid().ToString("N")[..8];

        // Each tab in turn comes to the front and posts; every tab, hidden or not, receives every message.
        var front = third;
        string[] sent = [$"from the third tab {tag}", $"from the first tab {tag}", $"from the second tab {tag}"];
        foreach (var (tab, text) in new[] { third, first, second }.Zip(sent))
        {
            await SwitchAsync(front, tab);
            front = tab;
            await ChatPageTests.SendAsync(tab, text);
            await Task.WhenAll(tabs.Select(t => t.WaitForAsync(Received, text)));
            await tab.WaitForAsync("() => window.sample.connections.open === 1", "the post's response read to the end");
            (await first.ReadAsync<int>("window.sample.connections.open") + await second.ReadAsync<int>("window.sample.connections.open")
                + await third.ReadAsync<int>("window.sample.connections.open"))
                .Should().Be(1, "the tab in front holds its demo, the hidden tabs nothing: with the shared stream, four connections stay free");
        }

        foreach (var tab in tabs)
        {
            var lines = await tab.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages");
            lines.Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).Select(m => m.Text).Should().Equal(sent);
            lines.Should().OnlyContain(m => !m.Missed, "every message arrived live");
            (await tab.ReadAsync<int>("window.sample.chat.duplicates")).Should().Be(0);
            tab.Errors.Should().BeEmpty();
        }

        await Poll.UntilAsync(() => streams.Sum() == 2, "still two streams on the server after the tabs took turns in front");
    }

    [SkippableFact]
    public async Task Chat_SharedStreamDroppedWhileATabPosts_EveryTabShowsTheMissedMessagesFromHistoryNotAGap()
    {
        // The browser's reconnect is held on the server until the missed messages are surely in the history.
        var gate = new ReconnectGate("/live");
        await using var sample = await OwnSample.StartAsync(chromium, gate.AddTo);
        await using var dropped = await sample.OpenAsync();
        await dropped.WaitForAsync(Ready);
        await dropped.SetVisibilityAsync("hidden");
        await using var writer = await dropped.OpenTabAsync();
        await writer.WaitForAsync(Ready);
        var tag = Guid.NewGuid().ToString("N")[..8];
        await ChatPageTests.SendAsync(writer, $"before {tag}");
        await dropped.WaitForAsync(Received, $"before {tag}");

        // Back to the first tab to drop the connection: the stream is both tabs', so both go down and come back.
        await SwitchAsync(writer, dropped);
        await dropped.Page.ClickAsync("#chat-drop");
        await Task.WhenAll(dropped.WaitForAsync("() => window.sample.states.live === 'reconnecting'"),
            writer.WaitForAsync("() => window.sample.states.live === 'reconnecting'"));
        await gate.Held.WaitAsync(SamplePage.Deadline);

        // Meanwhile, the other tab posts: its posts go through on their own connection.
        await SwitchAsync(dropped, writer);
        string[] missed = [$"missed one {tag}", $"missed two {tag}", $"missed three {tag}"];
        foreach (var text in missed)
        {
            await ChatPageTests.SendAsync(writer, text);
        }

        // Every post answered: nothing waits, and the tab holds only its demo again.
        await writer.WaitForAsync("() => window.sample.connections.waiting === 0 && window.sample.connections.open === 1");
        gate.Release();
        await Task.WhenAll(dropped.WaitForAsync(Received, missed[^1]), writer.WaitForAsync(Received, missed[^1]));

        var client = await dropped.ReadAsync<string>("window.sample.shared.client");
        (await writer.ReadAsync<string>("window.sample.shared.client")).Should().Be(client, "one stream for both tabs");
        var lastIdBeforeDrop = (await dropped.ReadAsync<List<string>>("window.sample.shared.resumedFrom")).Single();
        sample.App.Logs.GetSnapshot()
            .Where(r => r.Id.Name == "LiveStreamResumed" && r.GetStructuredStateValue("ClientTag") == Tako.Sse.Mvc.Sample.Services.ClientIds.Tag(client))
            .Select(r => r.GetStructuredStateValue("LastEventId"))
            .Should().Equal([lastIdBeforeDrop]);
        foreach (var tab in new[] { dropped, writer })
        {
            var lines = (await tab.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages")).Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).ToList();
            lines.Select(m => m.Text).Should().Equal([$"before {tag}", .. missed], "every message once, in order, none lost while the stream was down");
            lines.Skip(1).Should().OnlyContain(m => m.Missed, "they were published while the stream was down and came from the history");
            (await tab.ReadAsync<List<object>>("window.sample.chat.gaps")).Should().BeEmpty("the history still held every missed message");
            (await tab.TextAsync("#chat-missed")).Should().Be("3");
            (await tab.TextAsync("#chat-duplicates")).Should().Be("0");
            tab.Errors.Should().BeEmpty();
        }
    }

    // The user brings another tab to the front: the one that was there is hidden first, as a browser does.
    private static async Task SwitchAsync(SamplePage from, SamplePage to)
    {
        if (from != to)
        {
            await from.SetVisibilityAsync("hidden");
            await to.SetVisibilityAsync("visible");
        }
    }
}
