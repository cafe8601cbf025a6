using System.Net;

namespace Tako.Sse.Mvc.IntegrationTests.Channels.Authorization;

/// <summary>User channels with JWT bearer authentication: the id is the token's <c>sub</c> claim.</summary>
public sealed class BearerTokenTests
{
    [Fact]
    public async Task Subscribe_UserChannelWithBearerToken_TokenSubjectAllowedAndAnotherSubject403()
    {
        await using var app = await AuthApp.StartAsync(channels: c => c.UserIdClaimType = "sub");
        using var alice = app.Bearer("alice");
        using var bob = app.Bearer("bob");

        await using var own = await app.SubscribeAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"), client: alice);
        using var other = await bob.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));

        other.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await app.Hub().PublishAsync("notifications#alice", SseEvent.FromData("for the token's subject"));
        (await own.NextAsync()).Data.Should().Be("for the token's subject");
        app.Hub().GetSubscriberCount("notifications#alice").Should().Be(1);
    }

    [Fact]
    public async Task Subscribe_UserChannelWithForgedBearerToken_401()
    {
        await using var app = await AuthApp.StartAsync(channels: c => c.UserIdClaimType = "sub");
        using var forged = app.Bearer("alice");
        var token = forged.DefaultRequestHeaders.Authorization!.Parameter!;
        forged.DefaultRequestHeaders.Authorization = new("Bearer", token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));

        using var response = await forged.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        app.Hub().GetSubscriberCount("notifications#alice").Should().Be(0);
    }
}
