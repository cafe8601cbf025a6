namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// Two pages, each in its own browser context (as two browsers would be), on the sample's public chat channel.
// ChatTabsPageTests does the same with tabs of one browser.
[Collection(ChromiumCollection.Name)]
public class ChatPageTests(ChromiumFixture chromium)
{
    public sealed record ChatLine(string Id, string Name, string Text, bool Missed);

    // The page's one stream is open and its start-up requests are done, so a post goes out at once.
    private const string Ready = "() => window.sample.states.live === 'open' && window.sample.states.clock === 'closed' && window.sample.connections.waiting === 0";

    [SkippableFact]
    public async Task Chat_MessageTypedInOnePage_AppearsInTheOther()
    {
        await using var writer = await chromium.OpenSampleAsync();
        await using var reader = await chromium.OpenSampleAsync();
        await Task.WhenAll(writer.WaitForAsync(Ready), reader.WaitForAsync(Ready));
        var text = $"hello from the other tab {Guid.NewGuid():N}";

        await SendAsync(writer, text);
        await reader.WaitForAsync("text => window.sample.chat.messages.some(m => m.text === text)", text);

        var writerName = await writer.ReadAsync<string>("window.sample.chat.name");
        var line = (await reader.ReadAsync<List<ChatLine>>("window.sample.chat.messages")).Single(m => m.Text == text);
        line.Name.Should().Be(writerName);
        line.Missed.Should().BeFalse("it arrived live");
        (await reader.TextAsync("#chat-messages")).Should().Contain($"{writerName}: {text}");
        writer.Errors.Should().BeEmpty();
        reader.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Chat_DroppedConnection_ShowsTheMessagesMissedMeanwhileFromHistoryNotAGap()
    {
        // The browser's own reconnect is held on the server until the missed messages are surely in the history;
        // it still carries the Last-Event-ID the browser set.
        var gate = new ReconnectGate("/live");
        await using var sample = await OwnSample.StartAsync(chromium, gate.AddTo);
        await using var writer = await sample.OpenAsync();
        await using var dropped = await sample.OpenAsync();
        await Task.WhenAll(writer.WaitForAsync(Ready), dropped.WaitForAsync(Ready));
        var tag = Guid.NewGuid().ToString("N")[..8];
        await SendAsync(writer, $"before {tag}");
        await dropped.WaitForAsync("text => window.sample.chat.messages.some(m => m.text === text)", $"before {tag}");

        await dropped.Page.ClickAsync("#chat-drop");
        await dropped.WaitForAsync("() => window.sample.states.live === 'reconnecting'");

        string[] missed = [$"missed one {tag}", $"missed two {tag}", $"missed three {tag}"];
        foreach (var text in missed)
        {
            await SendAsync(writer, text);
        }

        await writer.WaitForAsync("text => window.sample.chat.messages.some(m => m.text === text)", missed[^1]);
        await gate.Held.WaitAsync(SamplePage.Deadline);
        gate.Release();
        await dropped.WaitForAsync("text => window.sample.chat.messages.some(m => m.text === text)", missed[^1]);

        // The server saw the browser's own reconnect with the last id (the cursor) the page had.
        var client = await dropped.ReadAsync<string>("window.sample.chat.client");
        var lastIdBeforeDrop = (await dropped.ReadAsync<List<string>>("window.sample.shared.resumedFrom")).Single();
        sample.App.Logs.GetSnapshot()
            .Where(r => r.Id.Name == "LiveStreamResumed" && r.GetStructuredStateValue("ClientTag") == Tako.Sse.Mvc.Sample.Services.ClientIds.Tag(client))
            .Select(r => r.GetStructuredStateValue("LastEventId"))
            .Should().Equal([lastIdBeforeDrop]);
        var lines = (await dropped.ReadAsync<List<ChatLine>>("window.sample.chat.messages")).Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).ToList();
        lines.Select(m => m.Text).Should().Equal([$"before {tag}", .. missed], "every message once, in order, none lost while the tab was away");
        lines.Skip(1).Should().OnlyContain(m => m.Missed, "they were published while the tab was disconnected and came from the history");
        (await dropped.ReadAsync<List<object>>("window.sample.chat.gaps")).Should().BeEmpty("the history still held every missed message");
        (await dropped.TextAsync("#chat-gaps")).Should().Be("0");
        (await dropped.TextAsync("#chat-duplicates")).Should().Be("0");
        (await dropped.TextAsync("#chat-missed")).Should().Be("3");
        (await dropped.ReadAsync<List<string>>("window.sample.stateHistory.live")).Should().ContainInOrder("connecting", "open", "reconnecting", "open");
        writer.Errors.Should().BeEmpty();
        dropped.Errors.Should().BeEmpty();
    }

    internal static async Task SendAsync(SamplePage page, string text)
    {
        await page.Page.FillAsync("#chat-input", text);
        await page.Page.ClickAsync("#chat-send");
        await page.WaitForAsync("text => window.sample.chat.sent.includes(text)", text);
    }
}
