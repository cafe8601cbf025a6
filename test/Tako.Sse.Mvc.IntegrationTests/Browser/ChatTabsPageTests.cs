using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Controllers;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Tabs of ONE browser (pages of one context: one profile, so they share the browser's six connections per server)
// on the sample's chat. Headless Chromium shows every tab at once (each reports `visible`), so the tests that
// need the browser's usual "one tab in front" switch tabs with SamplePage.SetVisibilityAsync.
[Collection(ChromiumCollection.Name)]
public class ChatTabsPageTests(ChromiumFixture chromium)
{
    // The chat is open and the tab's start-up requests are done; a visible tab also runs its demo.
    private const string Ready = """
        () => {
          const s = window.sample;
          return s.states.chat === 'open' && s.states.clock === 'closed' && s.progress.done && s.connections.waiting === 0
            && (document.visibilityState === 'hidden' || s.states.ticker === 'open');
        }
        """;

    private const string Received = "text => window.sample.chat.messages.some(m => m.text === text)";

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
            (await tab.ReadAsync<int>("window.sample.connections.open")).Should().Be(2, "two visible tabs hold four of the six connections");
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
        await Poll.UntilAsync(() => streams.Sum() == 4, "three chats and the front tab's demo on the server");
        app.Hub().GetSubscriberCount(ChatController.Channel).Should().Be(3);
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
            await tab.WaitForAsync("() => window.sample.connections.open === 2", "the post's response read to the end");
            (await first.ReadAsync<int>("window.sample.connections.open") + await second.ReadAsync<int>("window.sample.connections.open")
                + await third.ReadAsync<int>("window.sample.connections.open"))
                .Should().Be(4, "one tab in front holds two streams, each hidden tab one: two connections stay free");
        }

        foreach (var tab in tabs)
        {
            var lines = await tab.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages");
            lines.Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).Select(m => m.Text).Should().Equal(sent);
            lines.Should().OnlyContain(m => !m.Missed, "every message arrived live");
            (await tab.ReadAsync<int>("window.sample.chat.duplicates")).Should().Be(0);
            tab.Errors.Should().BeEmpty();
        }

        await Poll.UntilAsync(() => streams.Sum() == 4, "still four streams on the server after the tabs took turns in front");
    }

    [SkippableFact]
    public async Task Chat_TabDroppedWhileAnotherTabPosts_ShowsTheMissedMessagesFromHistoryNotAGap()
    {
        await using var dropped = await chromium.OpenSampleAsync();
        await dropped.WaitForAsync(Ready);
        await dropped.SetVisibilityAsync("hidden");
        await using var writer = await dropped.OpenTabAsync();
        await writer.WaitForAsync(Ready);
        var tag = Guid.NewGuid().ToString("N")[..8];
        await ChatPageTests.SendAsync(writer, $"before {tag}");
        await dropped.WaitForAsync(Received, $"before {tag}");
        var lastIdBeforeDrop = (await dropped.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages"))[^1].Id;

        // Back to the first tab to drop its chat connection. The browser's own reconnect is held until the missed
        // messages are surely in the history; it still carries the Last-Event-ID the browser set.
        await SwitchAsync(writer, dropped);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await dropped.Page.RouteAsync(url => new Uri(url).AbsolutePath == "/chat", async route =>
        {
            if (route.Request.Method == "GET")
            {
                reconnect.TrySetResult();
                await release.Task;
            }

            await route.ContinueAsync();
        });
        await dropped.Page.ClickAsync("#chat-drop");
        await dropped.WaitForAsync("() => window.sample.states.chat === 'reconnecting'");

        // Meanwhile, the other tab posts.
        await SwitchAsync(dropped, writer);
        string[] missed = [$"missed one {tag}", $"missed two {tag}", $"missed three {tag}"];
        foreach (var text in missed)
        {
            await ChatPageTests.SendAsync(writer, text);
        }

        await writer.WaitForAsync(Received, missed[^1]);
        await reconnect.Task.WaitAsync(SamplePage.Deadline);
        release.SetResult();
        await dropped.WaitForAsync(Received, missed[^1]);

        var client = await dropped.ReadAsync<string>("window.sample.chat.client");
        chromium.Sample!.Logs.GetSnapshot()
            .Where(r => r.Id.Name == "ChatStreamResumed" && r.GetStructuredStateValue("ClientTag") == Tako.Sse.Mvc.Sample.Services.ClientIds.Tag(client))
            .Select(r => r.GetStructuredStateValue("LastEventId"))
            .Should().Equal([lastIdBeforeDrop]);
        var lines = (await dropped.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages")).Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).ToList();
        lines.Select(m => m.Text).Should().Equal([$"before {tag}", .. missed], "every message once, in order, none lost while the tab was away");
        lines.Skip(1).Should().OnlyContain(m => m.Missed, "they were published while the tab was disconnected and came from the history");
        (await dropped.ReadAsync<List<object>>("window.sample.chat.gaps")).Should().BeEmpty("the history still held every missed message");
        (await dropped.TextAsync("#chat-missed")).Should().Be("3");
        (await dropped.TextAsync("#chat-duplicates")).Should().Be("0");
        writer.Errors.Should().BeEmpty();
        dropped.Errors.Should().BeEmpty();
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
