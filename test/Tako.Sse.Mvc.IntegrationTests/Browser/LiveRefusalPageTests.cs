using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Identity;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// A page that lists another user's channel is refused before any stream starts, and says so.
[Collection(ChromiumCollection.Name)]
public class LiveRefusalPageTests(ChromiumFixture chromium)
{
    [SkippableFact]
    public async Task Live_AnonymousPageAsksForAnotherUsersChannel_Gets401AndShowsWhy()
    {
        await using var page = await SamplePage.OpenAsync(chromium.RequireBrowser(), new Uri(chromium.Sample!.BaseAddress, "/?notifications=bob"));

        await page.WaitForAsync("() => window.sample.shared.refused !== null");

        var refused = await page.ReadAsync<Refusal>("window.sample.shared.refused");
        refused.Status.Should().Be(401);
        refused.Channels.Should().Contain(UserChannel.For("bob"));
        (await page.ReadAsync<string>("window.sample.states.live")).Should().Be("closed", "EventSource gives up on a 401");
        (await page.Page.IsVisibleAsync("#live-refused")).Should().BeTrue();
        var message = await page.TextAsync("#live-refused");
        message.Should().Contain("401").And.Contain("not signed in").And.Contain("notifications#bob");
        chromium.Sample.Hub().GetSubscriberCount(UserChannel.For("bob")).Should().Be(0);
        page.Errors.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Live_SignedInPageAsksForAnotherUsersChannel_Gets403AndShowsWhy()
    {
        await using var page = await SamplePage.OpenAsync(chromium.RequireBrowser(), new Uri(chromium.Sample!.BaseAddress, "/?notifications=bob"));
        await page.WaitForAsync("() => window.sample.shared.refused?.status === 401");

        await page.Page.FillAsync("#sign-in-name", "alice");
        await page.Page.ClickAsync("#sign-in");
        await page.WaitForAsync("() => window.sample.notifications.user === 'alice' && window.sample.shared.refused?.status === 403");

        (await page.TextAsync("#live-refused")).Should().Contain("403").And.Contain("notifications#bob");
        page.Errors.Should().BeEmpty();
    }

    public sealed record Refusal(int Status, List<string> Channels);
}
