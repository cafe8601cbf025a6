using System.Security.Claims;

namespace Tako.Sse.Mvc.Tests.Channels.Authorization;

public sealed class SseUserChannelsTests
{
    [Theory]
    [InlineData("notifications#42", "42")]
    [InlineData("dialog#42,57", "42,57")]
    [InlineData("a#b#c", "c")]
    [InlineData("ends-with#", "")]
    public void TryGetUserIds_NameWithHash_IdsAfterTheLastOne(string channel, string ids)
    {
        SseUserChannels.TryGetUserIds(channel, out var found).Should().BeTrue();
        found.ToString().Should().Be(ids);
    }

    [Fact]
    public void TryGetUserIds_NameWithoutHash_NotAUserChannel() =>
        SseUserChannels.TryGetUserIds("orders", out _).Should().BeFalse();

    [Fact]
    public void IsOneOf_ClaimOnAnUnauthenticatedIdentity_DoesNotCount()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "42")]));

        SseUserChannels.IsOneOf(user, ClaimTypes.NameIdentifier, "42").Should().BeFalse();
        SseUserChannels.IsSignedIn(user).Should().BeFalse();
    }

    [Fact]
    public void IsOneOf_SecondAuthenticatedIdentityHoldsTheId_Allowed()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "7")], "cookie"));
        user.AddIdentity(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "57")], "bearer"));

        SseUserChannels.IsOneOf(user, ClaimTypes.NameIdentifier, "42,57").Should().BeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("4,2")]
    public void IsOneOf_EmptyClaimValue_NeverMatchesAnEmptyId(string ids)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, string.Empty)], "cookie"));

        SseUserChannels.IsOneOf(user, ClaimTypes.NameIdentifier, ids).Should().BeFalse();
    }
}
