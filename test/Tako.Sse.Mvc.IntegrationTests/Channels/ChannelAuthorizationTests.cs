using System.Net;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>The channel a request joins is the server's decision: here, derived from the authenticated user.</summary>
public class ChannelAuthorizationTests
{
    [Fact]
    public async Task Subscribe_AuthorizeEndpointWithoutUser_401WithNoStreamAndNoSubscriber()
    {
        await using var app = await ChannelsApp.StartAsync();
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        using var streams = app.Metric("tako.sse.active_streams");

        using var response = await app.Client.GetAsync("/channels/mine");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse();
        subscribers.GetMeasurementSnapshot().Should().BeEmpty();
        streams.GetMeasurementSnapshot().Should().BeEmpty();
        ((InMemorySseHub)app.Hub()).ChannelCount.Should().Be(0);
    }

    [Fact]
    public async Task Subscribe_PerUserChannel_EachUserGetsOnlyTheirOwnEvents()
    {
        await using var app = await ChannelsApp.StartAsync();
        await using var alice = await app.SubscribeAsync("/channels/mine", client: ClientFor(app, "alice"));
        await using var bob = await app.SubscribeAsync("/channels/mine", client: ClientFor(app, "bob"));

        await app.Hub().PublishAsync(ChannelsApp.UserChannel("alice"), SseEvent.FromData("for alice"));
        await app.Hub().PublishAsync(ChannelsApp.UserChannel("bob"), SseEvent.FromData("for bob"));

        (await alice.NextAsync()).Data.Should().Be("for alice");
        (await bob.NextAsync()).Data.Should().Be("for bob");
        app.Hub().GetSubscriberCount(ChannelsApp.UserChannel("alice")).Should().Be(1);
    }

    [Fact]
    public async Task Subscribe_PerUserChannelWithAnotherUsersId_ResumesNothingOfTheirs()
    {
        await using var app = await ChannelsApp.StartAsync();
        var aliceId = await app.Hub().PublishAsync(ChannelsApp.UserChannel("alice"), SseEvent.FromData("secret"));
        await app.Hub().PublishAsync(ChannelsApp.UserChannel("alice"), SseEvent.FromData("more secret"));

        // Mallory sends Alice's id: the id only positions a cursor in Mallory's own channel.
        await using var mallory = await app.SubscribeAsync("/channels/mine", lastEventId: aliceId, client: ClientFor(app, "mallory"));
        await app.Hub().PublishAsync(ChannelsApp.UserChannel("mallory"), SseEvent.FromData("for mallory"));

        var first = await mallory.NextAsync();
        first.Data.Should().Be("for mallory", "a position is only ever a place in the subscriber's own channels");
    }

    private static HttpClient ClientFor(Infrastructure.TestApp app, string user)
    {
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add(TestUserAuthentication.Header, user);
        return client;
    }
}
