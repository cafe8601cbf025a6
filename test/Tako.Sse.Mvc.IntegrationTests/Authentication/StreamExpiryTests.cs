using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Authentication;

/// <summary>
/// <see cref="TakoSseOptions.CloseOnAuthenticationExpiration"/> beyond cookie subscriptions: JWT bearer tokens,
/// plain (non-channel) streams under minimal APIs and MVC, a credential expired at the start, and the option off.
/// </summary>
public sealed class StreamExpiryTests
{
    [Fact]
    public async Task Subscribe_BearerTokenExpires_StreamEnds()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ExpiryApp.StartAsync(time);
        using var client = app.Bearer(time, "alice", seconds: 60);
        using var response = await client.OpenAsync("/expiry/channels/bearer");
        response.EnsureSuccessStatusCode();
        await using var events = await response.EventsAsync();

        time.Advance(TimeSpan.FromSeconds(59));
        await app.Hub().PublishAsync("bearer", SseEvent.FromData("at 59 s"));
        (await events.NextAsync()).Data.Should().Be("at 59 s");

        time.Advance(TimeSpan.FromSeconds(1));
        await events.ShouldEndAsync();
        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("bearer") == 0, "the subscriber to leave its channel");
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Name == "SseAuthenticationExpired");
    }

    [Theory]
    [InlineData("/expiry/plain", "plain.")]
    [InlineData("/action/silent", "")]
    public async Task Stream_PlainSourceCookieExpires_EndsAndDisposesSource(string path, string marks)
    {
        var time = new ObservableTimeProvider();
        await using var app = await ExpiryApp.StartAsync(time);
        using var client = await app.SignInAsync("alice", seconds: 60);
        using var response = await client.OpenAsync(path);
        response.EnsureSuccessStatusCode();
        await using var events = await response.EventsAsync();

        // The source runs only once the stream has armed its expiry.
        await app.Probe().WaitForAsync(marks + "started");
        time.Advance(TimeSpan.FromSeconds(59));
        app.Probe().Count(marks + "disposed").Should().Be(0, "the credential is still valid");

        time.Advance(TimeSpan.FromSeconds(1));
        await events.ShouldEndAsync();
        await app.Probe().WaitForAsync(marks + "disposed");
        app.Logs.ShouldShowNoFailure();
    }

    [Fact]
    public async Task Subscribe_CredentialExpiredAtStart_OpensThenEndsAtOnce()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ExpiryApp.StartAsync(time);
        using var client = await app.SignInAsync("alice", seconds: 60);

        // The cookie handler still accepts a ticket at the very instant it expires; the stream does not.
        time.Advance(TimeSpan.FromSeconds(60));
        using var response = await client.OpenAsync("/expiry/channels/late");
        response.EnsureSuccessStatusCode();
        await app.Hub().PublishAsync("late", SseEvent.FromData("too late"));

        var items = await response.ReadAllAsync();

        items.Should().BeEmpty();
        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("late") == 0, "the subscriber to leave its channel");
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Name == "SseAuthenticationExpired");
    }

    [Fact]
    public async Task Subscribe_OptionOff_StreamStaysOpenPastExpiry()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ExpiryApp.StartAsync(time, o => o.CloseOnAuthenticationExpiration = false);
        using var client = await app.SignInAsync("alice", seconds: 60);
        await using var subscriber = await app.SubscribeAsync("/expiry/channels/kept", client: client);
        await app.Hub().PublishAsync("kept", SseEvent.FromData("before"));
        (await subscriber.NextAsync()).Data.Should().Be("before");

        time.Advance(TimeSpan.FromMinutes(2));
        await app.Hub().PublishAsync("kept", SseEvent.FromData("after"));

        (await subscriber.NextAsync()).Data.Should().Be("after");
        app.Hub().GetSubscriberCount("kept").Should().Be(1);
        app.Logs.GetSnapshot().Should().NotContain(r => r.Id.Name == "SseAuthenticationExpired");
    }
}
