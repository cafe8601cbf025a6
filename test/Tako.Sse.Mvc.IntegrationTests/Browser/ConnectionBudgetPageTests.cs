namespace Tako.Sse.Mvc.IntegrationTests.Browser;

[Collection(ChromiumCollection.Name)]
public class ConnectionBudgetPageTests(ChromiumFixture chromium)
{
    // Browsers open six HTTP/1.1 connections per server at most; a seventh request waits, and a stream that
    // waits behind five others that never end never opens.
    [SkippableFact]
    public async Task SamplePage_EveryPanelAndButtonUsed_NeverHoldsMoreThanSixConnections()
    {
        await using var page = await chromium.OpenSampleAsync();
        await page.WaitForAsync("() => window.sample.states.clock === 'closed' && window.sample.states.chat === 'open'");

        // Everything that takes a short connection, asked for at once.
        await page.Page.FillAsync("#chat-input", "counting connections");
        await page.Page.ClickAsync("#chat-send");
        await page.Page.ClickAsync("#progress-run");
        await page.Page.ClickAsync("#echo-send");
        await page.Page.ClickAsync("#clock-read");
        await page.Page.ClickAsync("#resume-drop");
        await page.WaitForAsync("""
            () => {
              const s = window.sample;
              return s.chat.messages.some(m => m.text === 'counting connections')
                && s.progress.runs === 2 && s.progress.done
                && s.echo.runs.length === 2 && s.echo.runs[1].ended
                && s.states.clock === 'closed' && s.resume.resumedAfter.length === 1
                && s.connections.waiting === 0;
            }
            """);

        var connections = await page.ReadAsync<Dictionary<string, int>>("window.sample.connections");
        connections["max"].Should().Be(6, "five streams stay open and the short requests take the sixth in turn");
        connections["open"].Should().Be(5, "ticker, feed, logs, resume and chat");
        (await page.TextAsync("#connections-max")).Should().Be("6");
        page.Errors.Should().BeEmpty();
    }
}
