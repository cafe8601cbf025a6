using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

[Collection(ChromiumCollection.Name)]
public class ScreenshotTests(ChromiumFixture chromium)
{
    // Set to 1 to refresh the README's screenshot, docs/images/sample.png, from this test.
    private const string UpdateVariable = "TAKO_UPDATE_SCREENSHOT";

    [SkippableFact]
    public async Task SamplePage_EveryFeatureLive_ScreenshotSaved()
    {
        await using var page = await chromium.OpenSampleAsync();

        // The demo cards take turns on one stream: each runs for a while and keeps what it showed when paused.
        await page.WaitForAsync("""
            () => {
              const s = window.sample;
              return s.ticker.count >= 3
                && s.progress.done
                && s.echo.runs.length >= 1 && s.echo.runs[0].ended
                && s.clock.frames.length >= 3 && s.states.clock === 'closed'
                && s.states.live === 'open';
            }
            """);
        await page.Page.ClickAsync("#feed-start");
        await page.WaitForAsync("() => window.sample.feed.events.some(e => e.type === 'news')");
        await page.Page.ClickAsync("#logs-start");
        await page.WaitForAsync("() => window.sample.logs.count >= 3");
        await page.Page.ClickAsync("#resume-start");
        await page.WaitForAsync("() => window.sample.resume.numbers.length >= 3");
        await page.Page.FillAsync("#chat-input", "Hello from the README screenshot");
        await page.Page.ClickAsync("#chat-send");
        await page.WaitForAsync("() => window.sample.chat.messages.some(m => m.text === 'Hello from the README screenshot')");
        await page.Page.ClickAsync("#resume-drop");
        await page.WaitForAsync("() => { const r = window.sample.resume; return r.resumedAfter.length === 1 && r.last >= r.resumedAfter[0] + 3; }");

        var states = await page.ReadAsync<Dictionary<string, string>>("window.sample.states");
        states.Should().Equal(new Dictionary<string, string>
        {
            ["live"] = "open",
            ["ticker"] = "closed",
            ["feed"] = "closed",
            ["logs"] = "closed",
            ["resume"] = "open",
            ["progress"] = "closed",
            ["echo"] = "closed",
            ["clock"] = "closed",
        });
        (await page.ReadAsync<Dictionary<string, string>>("window.sample.clock.headers")).Should().Equal(new Dictionary<string, string>
        {
            ["content-type"] = "text/event-stream",
            ["cache-control"] = "no-cache, no-store, must-revalidate",
            ["x-accel-buffering"] = "no",
        });
        (await page.ReadAsync<int>("window.sample.connections.max")).Should().BeLessThanOrEqualTo(2, "the running demo and one short request at a time; the shared stream is the worker's");
        page.Errors.Should().BeEmpty();

        var screenshot = await page.Page.ScreenshotAsync(new() { FullPage = true });
        var artifacts = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllBytesAsync(Path.Combine(artifacts, "sample.png"), screenshot);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllBytesAsync(Path.Combine(RepositoryPaths.Root, "docs", "images", "sample.png"), screenshot);
        }
    }
}
