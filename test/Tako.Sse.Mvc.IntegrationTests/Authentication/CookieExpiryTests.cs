using System.Net;
using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Channels;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Authentication;

/// <summary>
/// <see cref="TakoSseOptions.CloseOnAuthenticationExpiration"/> with real cookie authentication: a subscription
/// ends when its cookie expires on the fake clock, and the page's reconnect either resumes (a renewed cookie) or
/// is refused (the expired one).
/// </summary>
public sealed class CookieExpiryTests
{
    private const string Channel = "orders";
    private const string Path = "/expiry/channels/" + Channel;

    [Fact]
    public async Task Subscribe_CookieExpires_StreamEndsCleanlyAndSubscriberLeaves()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ExpiryApp.StartAsync(time);
        using var expired = app.Metric("tako.sse.authentication_expirations");
        using var client = await app.SignInAsync("alice", seconds: 60);
        using var response = await client.OpenAsync(Path);
        response.EnsureSuccessStatusCode();
        await using var events = await response.EventsAsync();

        // Just before the expiry the stream is open: it takes a publication made then.
        time.Advance(TimeSpan.FromSeconds(59));
        await app.Hub().PublishAsync(Channel, SseEvent.FromData("at 59 s"));
        (await events.NextAsync()).Data.Should().Be("at 59 s");
        app.Hub().GetSubscriberCount(Channel).Should().Be(1);

        time.Advance(TimeSpan.FromSeconds(1));
        await events.ShouldEndAsync();

        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount(Channel) == 0, "the subscriber to leave its channel");
        app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 11 && r.Id.Name == "SseAuthenticationExpired" && r.Category == ActionLogs.Category);
        app.Logs.ShouldShowNoFailure();
        expired.Sum().Should().Be(1);
    }

    [Fact]
    public async Task Subscribe_ReconnectAfterExpiry_ExpiredCookie401ThenRenewedCookieResumesWithNoGapOrDuplicate()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ExpiryApp.StartAsync(time);
        using var client = await app.SignInAsync("alice", seconds: 60);
        string lastId;
        using (var response = await client.OpenAsync(Path))
        {
            response.EnsureSuccessStatusCode();
            await using var events = await response.EventsAsync();
            await app.PublishAsync(Channel, 2, "before");
            var received = new[] { await events.NextAsync(), await events.NextAsync() };
            received.Select(e => e.Data).Should().Equal("before0", "before1");
            lastId = received[1].EventId!;

            time.Advance(TimeSpan.FromSeconds(61));
            await events.ShouldEndAsync();
        }

        // Published while the page is away.
        await app.PublishAsync(Channel, 2, "away");

        // EventSource reconnects on its own with the cookie it has: expired, so refused, and it stops for good.
        using (var refused = await client.OpenAsync(Path, r => r.Headers.TryAddWithoutValidation("Last-Event-ID", lastId)))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        // The page signs in again and opens a new EventSource from where it was.
        await app.SignInAsync("alice", seconds: 60, client);
        await using var resumed = await app.SubscribeAsync(Path, lastEventId: lastId, client: client);
        await app.PublishAsync(Channel, 1, "after");

        var rest = await resumed.NextAsync(3);
        rest.Select(e => e.Data).Should().Equal("away0", "away1", "after0");
        rest.Should().OnlyContain(e => e.EventType == "message", "a resume from the history sends no gap event");
    }
}
