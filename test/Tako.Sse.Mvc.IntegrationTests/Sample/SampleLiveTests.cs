using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;
using Tako.Sse.Mvc.Sample.Controllers;
using Tako.Sse.Mvc.Sample.Identity;
using Tako.Sse.Mvc.Sample.Tiles;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

// GET /live: the page's one stream for the chat, the tiles and the signed-in user's notifications.
public sealed class SampleLiveTests(SampleFixture sample) : IClassFixture<SampleFixture>, IDisposable
{
    private const string Tiles = "channel=tiles%3Avisitors&channel=tiles%3Aorders&channel=tiles%3Alatency";

    // Cookies go only where a test puts them.
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.Zero })
    {
        BaseAddress = sample.App.BaseAddress,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private ISseHub Hub => sample.App.Services.GetRequiredService<ISseHub>();

    [Fact]
    public async Task Subscribe_ChatTilesAndOwnNotifications_EveryKindArrivesOnOneStreamWithCursorIds()
    {
        var alice = await SignInAsync("alice-live");
        using var response = await _client.OpenAsync(
            $"/live?channel=chat&{Tiles}&channel=notifications%23alice-live&client=live-kinds", r => r.Headers.Add("Cookie", alice));
        await using var events = await response.EventsAsync();
        await Poll.UntilAsync(() => Hub.GetSubscriberCount(UserChannel.For("alice-live")) == 1, "the stream on alice's channel");
        var tag = Guid.NewGuid().ToString("N")[..8];

        (await _client.PostAsJsonAsync("/chat", new { name = "ann", text = $"live {tag}" })).StatusCode.Should().Be(HttpStatusCode.Accepted);
        using var notify = new HttpRequestMessage(HttpMethod.Post, "/me/notifications") { Content = JsonContent.Create(new { text = $"note {tag}" }) };
        notify.Headers.Add("Cookie", alice);
        (await _client.SendAsync(notify)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        // The tiles come every second from the background service; the chat and the notification are ours.
        var seen = new HashSet<string>();
        var tiles = new HashSet<string>();
        while (!(seen.Contains("chat") && seen.Contains("notification") && tiles.Count == 3))
        {
            var item = await events.NextAsync();
            item.EventId.Should().StartWith("t1", "every event's id is the cursor of the subscription");
            switch (item.EventType)
            {
                case ChatController.EventName when item.Data.Contains(tag, StringComparison.Ordinal):
                case NotificationsController.EventName when item.Data == $"note {tag}":
                    seen.Add(item.EventType);
                    break;
                case TileSimulator.EventName:
                    using (var json = JsonDocument.Parse(item.Data))
                    {
                        tiles.Add(json.RootElement.GetProperty("tile").GetString()!);
                    }

                    break;
            }
        }

        tiles.Should().BeEquivalentTo(TileSimulator.Names);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        Hub.GetSubscriberCount(ChatController.Channel).Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Subscribe_WithTheCursor_ResumesEveryChannelAndLogsTheCursor()
    {
        string cursor;
        using (var first = await _client.OpenAsync($"/live?channel=chat&{Tiles}&client=live-resume-test"))
        {
            await using var events = await first.EventsAsync();
            SseItem<string> tile;
            do
            {
                tile = await events.NextAsync();
            }
            while (tile.EventType != TileSimulator.EventName);

            cursor = tile.EventId!;
        }

        var tag = Guid.NewGuid().ToString("N")[..8];
        await _client.PostAsJsonAsync("/chat", new { name = "ann", text = $"while away {tag}" });

        using var second = await _client.OpenAsync($"/live?channel=chat&{Tiles}&client=live-resume-test", r => r.Headers.Add("Last-Event-ID", cursor));
        await using var resumed = await second.EventsAsync();
        SseItem<string> item;
        do
        {
            item = await resumed.NextAsync();
            item.EventType.Should().NotBe("tako.gap");
        }
        while (!(item.EventType == ChatController.EventName && item.Data.Contains(tag, StringComparison.Ordinal)));

        sample.App.Logs.GetSnapshot()
            .Where(r => r.Id.Name == "LiveStreamResumed" && r.GetStructuredStateValue("ClientTag") == "live-res…")
            .Select(r => r.GetStructuredStateValue("LastEventId"))
            .Should().Contain(cursor);
    }

    [Theory]
    [InlineData("channel=chat&channel=secret")]
    [InlineData("channel=notifications%23bob-live")]
    [InlineData("channel=chat&channel=notifications%23")]
    public async Task Subscribe_AnonymousChannelOutsideWhatItMayHave_Returns401WithNoStream(string query)
    {
        using var response = await _client.OpenAsync($"/live?{query}");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        Hub.GetSubscriberCount("secret").Should().Be(0);
        Hub.GetSubscriberCount(UserChannel.For("bob-live")).Should().Be(0);
    }

    [Theory]
    [InlineData("channel=chat&channel=secret")]
    [InlineData("channel=chat&channel=notifications%23bob-live")]
    public async Task Subscribe_SignedInChannelOutsideWhatItMayHave_Returns403WithNoStream(string query)
    {
        var alice = await SignInAsync("alice-live");

        using var response = await _client.OpenAsync($"/live?{query}", r => r.Headers.Add("Cookie", alice));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        Hub.GetSubscriberCount(UserChannel.For("bob-live")).Should().Be(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?channel=chat&channel=chat")]
    [InlineData("?channel=")]
    [InlineData("?channel=chat&client=not%20an%20id")]
    public async Task Subscribe_BadList_Returns400(string query)
    {
        using var response = await _client.OpenAsync($"/live{query}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
    }

    [Fact]
    public async Task Drop_UnknownClient_Returns404()
    {
        using var response = await _client.PostAsync(new Uri("/live/drop?client=nobody-here", UriKind.Relative), content: null);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    public void Dispose() => _client.Dispose();

    private async Task<string> SignInAsync(string name)
    {
        using var response = await _client.PostAsync(new Uri($"/demo/sign-in?name={name}", UriKind.Relative), content: null);
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        return response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }
}
