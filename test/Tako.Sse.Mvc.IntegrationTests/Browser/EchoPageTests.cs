namespace Tako.Sse.Mvc.IntegrationTests.Browser;

[Collection(ChromiumCollection.Name)]
public class EchoPageTests(ChromiumFixture chromium)
{
    public sealed record EchoRun(string Sent, List<string> Messages, int Clicks, bool Ended);

    [SkippableFact]
    public async Task Echo_PayloadWithEventInjection_ArrivesAsOneMessageWithTheExactText()
    {
        const string text = "\n\nevent: click\n\n";
        await using var page = await chromium.OpenSampleAsync();

        await page.Page.FillAsync("#echo-input", text);
        await page.Page.ClickAsync("#echo-send");
        await page.WaitForAsync("text => window.sample.echo.runs.some(r => r.sent === text && r.ended)", text);

        var run = (await page.ReadAsync<List<EchoRun>>("window.sample.echo.runs")).Single(r => r.Sent == text);
        run.Messages.Should().Equal([text], "the browser joins the data lines back into the one string that was sent");
        run.Clicks.Should().Be(0, "no line of the payload became an event: field");
        page.Errors.Should().BeEmpty();
    }
}
