using System.Globalization;
using Microsoft.Playwright;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

[Collection(ChromiumCollection.Name)]
public class ResumePageTests(ChromiumFixture chromium)
{
    [SkippableFact]
    public async Task Resume_ForcedReconnect_SendsLastEventIdAndShowsNoGapOrDuplicate()
    {
        await using var page = await chromium.OpenSampleAsync();
        await page.Page.ClickAsync("#resume-start");
        await page.WaitForAsync("() => window.sample.resume.numbers.length >= 3");
        var lastBeforeDrop = await page.ReadAsync<long>("window.sample.resume.last");

        // The button asks the server to end the stream; EventSource then reconnects on its own.
        var reconnect = await page.Page.RunAndWaitForRequestAsync(
            () => page.Page.ClickAsync("#resume-drop"),
            request => request.Url.Contains("/resume?client=", StringComparison.Ordinal),
            new PageRunAndWaitForRequestOptions { Timeout = (float)SamplePage.Deadline.TotalMilliseconds });
        await page.WaitForAsync(
            "() => { const r = window.sample.resume; return r.resumedAfter.length === 1 && r.last >= r.resumedAfter[0] + 3; }");

        var headers = await reconnect.AllHeadersAsync();
        var resumedAfter = await page.ReadAsync<List<long>>("window.sample.resume.resumedAfter");
        var numbers = await page.ReadAsync<List<long>>("window.sample.resume.numbers");
        resumedAfter[0].Should().BeGreaterThanOrEqualTo(lastBeforeDrop);
        headers.Should().ContainKey("last-event-id").WhoseValue.Should().Be(resumedAfter[0].ToString(CultureInfo.InvariantCulture));
        numbers.Should().Equal(Enumerable.Range(1, numbers.Count).Select(n => (long)n), "the stream went on right after the last id, with no gap and no duplicate");
        (await page.TextAsync("#resume-gaps")).Should().Be("0");
        (await page.TextAsync("#resume-duplicates")).Should().Be("0");
        (await page.ReadAsync<List<string>>("window.sample.stateHistory.resume")).Should().ContainInOrder("connecting", "open", "reconnecting", "open");
        page.Errors.Should().BeEmpty();
    }
}
