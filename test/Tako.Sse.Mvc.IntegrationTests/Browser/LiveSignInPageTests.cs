using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.Sample.Identity;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// A sign-in changes the page's channel list: the worker reopens the one stream from its cursor for every tab
// of the browser, with the user's notifications added, and a sign-out takes them off again.
[Collection(ChromiumCollection.Name)]
public class LiveSignInPageTests(ChromiumFixture chromium)
{
    [SkippableFact]
    public async Task Live_SignInInOneTab_EveryTabGetsTheUsersNotificationsOnTheReopenedStream()
    {
        var user = $"tabs-{Guid.NewGuid().ToString("N")[..8]}";
        var channel = UserChannel.For(user);
        await using var first = await chromium.OpenSampleAsync();
        await first.WaitForAsync(LivePage.Ready);
        await first.SetVisibilityAsync("hidden");
        await using var second = await first.OpenTabAsync();
        await second.WaitForAsync(LivePage.Ready);
        SamplePage[] tabs = [first, second];

        await second.Page.FillAsync("#sign-in-name", user);
        await second.Page.ClickAsync("#sign-in");
        const string SignedIn = """
            ([user, channel]) => window.sample.notifications.user === user && window.sample.shared.channels.includes(channel)
              && window.sample.states.live === 'open'
            """;
        await Task.WhenAll(tabs.Select(t => t.WaitForAsync(SignedIn, new[] { user, channel })));
        await Poll.UntilAsync(() => chromium.Sample!.Hub().GetSubscriberCount(channel) == 1, "the reopened stream on the user's channel");

        var text = $"for {user}";
        await second.Page.FillAsync("#notify-text", text);
        await second.Page.ClickAsync("#notify-send");
        await Task.WhenAll(tabs.Select(t => t.WaitForAsync("text => window.sample.notifications.items.includes(text)", text)));
        (await first.TextAsync("#notifications-user")).Should().Be(user, "the other tab learned the sign-in from the shared stream's list");

        // The new stream started from the cursor: the channels it kept resumed, the new one joined live.
        var client = await second.ReadAsync<string>("window.sample.shared.client");
        (await first.ReadAsync<string>("window.sample.shared.client")).Should().Be(client, "one stream for both tabs");
        chromium.Sample!.Logs.GetSnapshot()
            .Where(r => r.Id.Name == "LiveStreamResumed" && r.GetStructuredStateValue("ChannelCount") == "5"
                && r.GetStructuredStateValue("ClientTag") == Tako.Sse.Mvc.Sample.Services.ClientIds.Tag(client))
            .Should().ContainSingle();
        foreach (var tab in tabs)
        {
            (await tab.ReadAsync<int>("window.sample.shared.opens")).Should().Be(2);
            (await tab.ReadAsync<List<object>>("window.sample.shared.gaps")).Should().BeEmpty(
                "the old stream stayed open until the new one was, so no channel was removed and created again meanwhile");
        }

        await first.SetVisibilityAsync("visible");
        await second.SetVisibilityAsync("hidden");
        await first.Page.ClickAsync("#sign-out");
        await Task.WhenAll(tabs.Select(t => t.WaitForAsync(
            "channel => window.sample.notifications.user === null && !window.sample.shared.channels.includes(channel) && window.sample.states.live === 'open'", channel)));
        await Poll.UntilAsync(() => chromium.Sample.Hub().GetSubscriberCount(channel) == 0, "the user's channel left with the sign-out");
        first.Errors.Should().BeEmpty();
        second.Errors.Should().BeEmpty();
    }
}
