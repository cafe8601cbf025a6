using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels.Authorization;

/// <summary>
/// Layer 1 of "who may subscribe": a channel whose last '#' lists ids is only for those users, with no code
/// and no authorizer registered. Real cookie authentication; the channel name comes from the route.
/// </summary>
public sealed class UserChannelTests
{
    [Theory]
    [MemberData(nameof(AuthApp.Endpoints), MemberType = typeof(AuthApp))]
    public async Task Subscribe_UserChannelAnonymous_401WithNoStreamAndNoSubscriber(string endpoint)
    {
        await using var app = await AuthApp.StartAsync();
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        using var streams = app.Metric("tako.sse.active_streams");

        using var response = await app.Client.OpenAsync(AuthApp.PathOf(endpoint, "notifications#alice"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        AssertNoStream(app, response, subscribers, streams);
    }

    [Theory]
    [MemberData(nameof(AuthApp.Endpoints), MemberType = typeof(AuthApp))]
    public async Task Subscribe_UserChannelOfAnotherUser_403WithNoStreamAndNoSubscriber(string endpoint)
    {
        await using var app = await AuthApp.StartAsync();
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        using var streams = app.Metric("tako.sse.active_streams");
        using var bob = await app.SignInAsync("bob");

        using var response = await bob.OpenAsync(AuthApp.PathOf(endpoint, "notifications#alice"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        AssertNoStream(app, response, subscribers, streams);
    }

    [Theory]
    [MemberData(nameof(AuthApp.Endpoints), MemberType = typeof(AuthApp))]
    public async Task Subscribe_OwnUserChannel_StreamsItsEvents(string endpoint)
    {
        await using var app = await AuthApp.StartAsync();
        using var alice = await app.SignInAsync("alice");
        await using var stream = await app.SubscribeAsync(AuthApp.PathOf(endpoint, "notifications#alice"), client: alice);

        await app.Hub().PublishAsync("notifications#alice", SseEvent.FromData("for alice"));

        (await stream.NextAsync()).Data.Should().Be("for alice");
        app.Hub().GetSubscriberCount("notifications#alice").Should().Be(1);
    }

    [Fact]
    public async Task Subscribe_ChannelOfSeveralIds_EachListedUserAllowedAndOthers403()
    {
        await using var app = await AuthApp.StartAsync();
        using var alice = await app.SignInAsync("42");
        using var bob = await app.SignInAsync("57");
        using var carol = await app.SignInAsync("5");

        await using var first = await app.SubscribeAsync("/minimal/" + Uri.EscapeDataString("dialog#42,57"), client: alice);
        await using var second = await app.SubscribeAsync("/minimal/" + Uri.EscapeDataString("dialog#42,57"), client: bob);
        using var refused = await carol.OpenAsync("/minimal/" + Uri.EscapeDataString("dialog#42,57"));

        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await app.Hub().PublishAsync("dialog#42,57", SseEvent.FromData("hello both"));
        (await first.NextAsync()).Data.Should().Be("hello both");
        (await second.NextAsync()).Data.Should().Be("hello both");
    }

    [Theory]
    [InlineData("room#a#alice", "alice", HttpStatusCode.OK)]       // the last '#' counts
    [InlineData("room#alice#b", "alice", HttpStatusCode.Forbidden)]
    [InlineData("room#", "alice", HttpStatusCode.Forbidden)]        // no id: nobody's
    [InlineData("room#,", "alice", HttpStatusCode.Forbidden)]
    [InlineData("room# alice", "alice", HttpStatusCode.Forbidden)]  // ids are compared as written
    [InlineData("room#Alice", "alice", HttpStatusCode.Forbidden)]
    [InlineData("room#bob,,alice", "alice", HttpStatusCode.OK)]
    [InlineData("room-without-marker", "alice", HttpStatusCode.OK)]
    public async Task Subscribe_NamesOfUserChannels_DecidedByTheIdsAfterTheLastHash(string channel, string user, HttpStatusCode expected)
    {
        await using var app = await AuthApp.StartAsync();
        using var client = await app.SignInAsync(user);

        using var response = await client.OpenAsync("/minimal/" + Uri.EscapeDataString(channel));

        response.StatusCode.Should().Be(expected);
    }

    [Fact]
    public async Task Subscribe_UserIdClaimTypeSet_TheIdComesFromThatClaim()
    {
        await using var app = await AuthApp.StartAsync(channels: c => c.UserIdClaimType = "uid");
        using var alice = await app.SignInAsync("alice", uid: "u-17");

        using var byNameIdentifier = await alice.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));
        await using var byUid = await app.SubscribeAsync("/minimal/" + Uri.EscapeDataString("notifications#u-17"), client: alice);

        byNameIdentifier.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        byUid.Response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PublishAsync_ToUserChannelFromAnAnonymousRequest_NotRestricted()
    {
        await using var app = await AuthApp.StartAsync();
        using var alice = await app.SignInAsync("alice");
        await using var stream = await app.SubscribeAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"), client: alice);

        using var published = await app.Client.PostAsync("/auth/publish/" + Uri.EscapeDataString("notifications#alice"), content: null);

        published.StatusCode.Should().Be(HttpStatusCode.OK);
        (await stream.NextAsync()).Data.Should().Be("published by an anonymous request");
    }

    [Fact]
    public async Task Subscribe_UserChannelRefused_CountedByReasonAndLoggedAtInformation()
    {
        await using var app = await AuthApp.StartAsync();
        using var refused = app.Metric("tako.sse.channel.subscriptions_refused");
        using var bob = await app.SignInAsync("bob");

        using var anonymous = await app.Client.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));
        using var other = await bob.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));

        refused.GetMeasurementSnapshot().Should().HaveCount(2)
            .And.OnlyContain(m => m.Value == 1 && (string?)m.Tags["reason"] == "user_channel");
        var logged = app.Logs.GetSnapshot().Where(r => r.Id.Name == "SseChannelUserChannelRefused").ToList();
        logged.Select(r => (r.Id.Id, r.Level, r.Category)).Should().AllBeEquivalentTo((35, LogLevel.Information, "Tako.Sse.Mvc.ISseHub"));
        logged.Select(r => r.Message).Should().SatisfyRespectively(
            m => m.Should().Contain("notifications#alice").And.Contain("401"),
            m => m.Should().Contain("notifications#alice").And.Contain("403"));
        app.Logs.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task StartAsync_EmptyUserIdClaimTypeInConfiguration_FailsAtStartUpWithClearMessage()
    {
        var start = async () => await TestApp.StartAsync(s =>
        {
            s.AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection([new("Tako:Sse:Channels:UserIdClaimType", "")])
                .Build());
            s.AddTakoSse();
        });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("UserIdClaimType cannot be null or empty");
    }

    internal static void AssertNoStream(TestApp app, HttpResponseMessage response, Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> subscribers, Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> streams)
    {
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse();
        subscribers.GetMeasurementSnapshot().Should().BeEmpty();
        streams.GetMeasurementSnapshot().Should().BeEmpty();
        ((InMemorySseHub)app.Hub()).ChannelCount.Should().Be(0);
    }
}
