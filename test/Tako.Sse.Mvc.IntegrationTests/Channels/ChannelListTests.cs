using System.Net;
using System.Text.Json;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>A bad list of channels is the client's mistake: 400 with a problem-details body, and no stream.</summary>
public sealed class ChannelListTests
{
    public static TheoryData<string, string> BadLists => new()
    {
        { "/channels/many", "empty" },
        { "/channels/many?channel=a&channel=a", "listed twice" },
        { "/channels/many?channel=ok&channel=" + Uri.EscapeDataString("bad\u0001name"), "not a valid name" },
        { "/channels/many?channel=ok&channel=", "not a valid name" },
        { ChannelsApp.Many([.. Enumerable.Range(0, 33).Select(i => $"c{i}")]), "at most 32" },
        { "/minimal-many?channel=a&channel=a", "listed twice" },
    };

    [Theory]
    [MemberData(nameof(BadLists))]
    public async Task Subscribe_BadList_400WithAProblemSayingWhichAndNoStream(string path, string problem)
    {
        await using var app = await ChannelsApp.StartAsync();
        using var refused = app.Metric("tako.sse.channel.subscriptions_refused");

        using var response = await app.Client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("status").GetInt32().Should().Be(400);
        json.RootElement.GetProperty("detail").GetString().Should().Contain(problem);
        app.Hub().GetSubscriberCount("a").Should().Be(0);
        app.Hub().GetSubscriberCount("ok").Should().Be(0);
        refused.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["reason"].Should().Be("bad_list");
    }

    [Fact]
    public async Task Subscribe_MoreThanTheConfiguredMaximum_400()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.MaxChannelsPerSubscription = 2);

        using var response = await app.Client.GetAsync(ChannelsApp.Many("a", "b", "c"));
        using var allowed = await app.Client.OpenAsync(ChannelsApp.Many("a", "b"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("at most 2");
        allowed.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Subscribe_LongBadName_TheProblemEchoesAtMost64CharactersOfIt()
    {
        await using var app = await ChannelsApp.StartAsync();
        var name = "\u0001" + new string('n', 1000);

        using var response = await app.Client.GetAsync(ChannelsApp.Many("ok", name));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        detail.Should().NotContain(new string('n', 64));
        detail.Should().Contain("?" + new string('n', 62) + "…");
    }

    [Fact]
    public async Task Subscribe_UserChannelOfAnotherUserInTheList_RefusedLikeOneChannel()
    {
        await using var app = await ChannelsApp.StartAsync();

        using var anonymous = await app.Client.GetAsync(ChannelsApp.Many("news", "notifications#42"));

        using var other = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, ChannelsApp.Many("news", "notifications#42"))
        {
            Headers = { { TestUserAuthentication.Header, "57" } },
        });
        using var owner = await app.Client.OpenAsync(ChannelsApp.Many("news", "notifications#42"), r => r.Headers.Add(TestUserAuthentication.Header, "42"));

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        anonymous.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        other.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        owner.StatusCode.Should().Be(HttpStatusCode.OK);
        app.Hub().GetSubscriberCount("news").Should().Be(1, "only the owner's subscription counts");
    }
}
