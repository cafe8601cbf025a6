using System.Net;
using Microsoft.AspNetCore.Hosting;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;
using Tako.Sse.Mvc.Sample;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

public class SampleHostingTests(SampleFixture sample) : IClassFixture<SampleFixture>
{
    private HttpClient Client => sample.App.Client;

    [Fact]
    public async Task Root_Get_ServesThePageFromWwwroot()
    {
        using var page = await Client.GetAsync(new Uri("/", UriKind.Relative));
        using var script = await Client.GetAsync(new Uri("/app.js", UriKind.Relative));

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        (await page.Content.ReadAsStringAsync()).Should().Contain("<title>Tako.Sse.Mvc sample</title>");
        script.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Clock_HandWrittenStream_GetsProxySafeHeadersFromUseSseHeaders()
    {
        using var response = await Client.OpenAsync("/clock");
        await using var events = await response.EventsAsync();

        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be("no-cache, no-store, must-revalidate");
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        response.Headers.Connection.Should().Contain("keep-alive");
        (await events.NextAsync()).Data.Should().MatchRegex(@"^\d\d:\d\d:\d\d$");
    }

    [Fact]
    public async Task Echo_InjectionAttempt_ArrivesAsOneMessageWithTheExactText()
    {
        const string text = "\n\nevent: click\n\n";
        using var response = await Client.OpenAsync($"/echo?text={Uri.EscapeDataString(text)}");

        var items = await response.ReadAllAsync();

        items.Select(i => (i.EventType, i.Data)).Should().Equal(("message", text), ("end", "that was all"));
    }

    [SkippableFact]
    public async Task Build_NoAddressGiven_ListensOnLocalhost5000()
    {
        string[] addressVariables = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS"];
        var given = Array.Find(addressVariables, name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)));
        Skip.If(given is not null, $"{given} is set in this environment, and an address given there rightly wins over the default.");

        await using var app = SampleApp.Build([]);

        app.Configuration[WebHostDefaults.ServerUrlsKey].Should().Be("http://localhost:5000");
    }

    [Fact]
    public async Task Build_UrlsGiven_ListensThere()
    {
        await using var app = SampleApp.Build(["--urls", "http://127.0.0.1:5099"]);

        app.Configuration[WebHostDefaults.ServerUrlsKey].Should().Be("http://127.0.0.1:5099");
    }

    [Fact]
    public async Task TestApp_SampleProjectReferenced_DoesNotServeTheSampleControllers()
    {
        // The other tests' hosts must not pick up the sample's routes now that this project references it.
        await using var app = await TestApp.StartAsync();

        using var response = await app.Client.GetAsync(new Uri("/feed", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
