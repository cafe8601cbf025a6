using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Playwright;
using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>
/// A sample app of one test's own (not the fixture's shared one), so the server's count of open streams
/// (<c>tako.sse.active_streams</c>) witnesses exactly what that test's pages hold.
/// </summary>
internal sealed class OwnSample : IAsyncDisposable
{
    private OwnSample(IBrowser browser, TestApp app)
    {
        Browser = browser;
        App = app;
        Streams = app.Metric("tako.sse.active_streams");
    }

    public IBrowser Browser { get; }

    public TestApp App { get; }

    public MetricCollector<long> Streams { get; }

    public static async Task<OwnSample> StartAsync(ChromiumFixture chromium, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var browser = chromium.RequireBrowser();
        return new OwnSample(browser, await TestApp.StartSampleAsync(configure, SampleFixture.ShortKeepAlive));
    }

    public Task<SamplePage> OpenAsync() => SamplePage.OpenAsync(Browser, App.BaseAddress);

    public async ValueTask DisposeAsync()
    {
        Streams.Dispose();
        await App.DisposeAsync();
    }
}
