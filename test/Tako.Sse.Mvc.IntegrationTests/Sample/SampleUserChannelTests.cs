using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;
using Tako.Sse.Mvc.Sample.Controllers;
using Tako.Sse.Mvc.Sample.Identity;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

// The sample's private per-user channel: named from the signed-in user on the server, never from the request.
public sealed class SampleUserChannelTests(SampleFixture sample) : IClassFixture<SampleFixture>, IDisposable
{
    // Cookies go only where a test puts them: the fixture's client would keep every sign-in for later requests.
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.Zero })
    {
        BaseAddress = sample.App.BaseAddress,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private HttpClient Client => _client;

    private ISseHub Hub => sample.App.Services.GetRequiredService<ISseHub>();

    [Fact]
    public async Task Subscribe_Anonymous_Returns401WithNoStreamAndNoSubscriber()
    {
        using var response = await Client.OpenAsync("/me/notifications?user=anon-target", r => r.Headers.Add("Last-Event-ID", "0"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse("UseSseHeaders saw no event stream");
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
        Hub.GetSubscriberCount(UserChannel.For("anon-target")).Should().Be(0);
    }

    [Fact]
    public async Task Notify_Anonymous_Returns401AndPublishesNothing()
    {
        using var response = await Client.PostAsJsonAsync("/me/notifications", new { text = "hi" });

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Subscribe_SignedInUser_ReadsOnlyTheirOwnChannelWhateverTheRequestAsks()
    {
        var alice = await SignInAsync("alice-own");
        var bob = await SignInAsync("bob-own");
        using var aliceStream = await Client.OpenAsync("/me/notifications", r => r.Headers.Add("Cookie", alice));

        // Bob names Alice every way a request could: none of it is read.
        using var bobStream = await Client.OpenAsync(
            "/me/notifications?user=alice-own&channel=notifications%23alice-own&name=alice-own",
            r => r.Headers.Add("Cookie", bob));
        await using var aliceEvents = await aliceStream.EventsAsync();
        await using var bobEvents = await bobStream.EventsAsync();
        await Poll.UntilAsync(
            () => Hub.GetSubscriberCount(UserChannel.For("alice-own")) == 1 && Hub.GetSubscriberCount(UserChannel.For("bob-own")) == 1,
            "one subscriber on each user's channel");

        await NotifyAsync(alice, "for alice from alice");
        await Hub.PublishAsync(UserChannel.For("alice-own"), SseEvent.FromData("for alice from the app").WithEvent(NotificationsController.EventName));
        await NotifyAsync(bob, "for bob from bob");

        aliceStream.StatusCode.Should().Be(HttpStatusCode.OK);
        bobStream.StatusCode.Should().Be(HttpStatusCode.OK);
        (await aliceEvents.NextAsync()).Data.Should().Be("for alice from alice");
        (await aliceEvents.NextAsync()).Data.Should().Be("for alice from the app");
        (await bobEvents.NextAsync()).Data.Should().Be("for bob from bob", "bob's stream is bob's channel, and nothing of alice's came before");
        Hub.GetSubscriberCount(UserChannel.For("alice-own")).Should().Be(1, "bob did not join alice's channel");
    }

    [Fact]
    public async Task UserChannel_OfTheSample_IsAUserChannelOnlyItsUserMaySubscribe()
    {
        using var scope = sample.App.Services.CreateScope();
        var authorization = SseChannelAuthorization.For(sample.App.Services);
        var channel = UserChannel.For("alice-rule");

        var asAlice = await authorization.AuthorizeAsync(ContextOf(scope, "alice-rule"), [channel], CancellationToken.None);
        var asBob = await authorization.AuthorizeAsync(ContextOf(scope, "bob-rule"), [channel], CancellationToken.None);

        channel.Should().Be("notifications#alice-rule");
        asAlice.Should().BeNull();
        asBob.Should().NotBeNull();
        asBob!.StatusCode.Should().Be(StatusCodes.Status403Forbidden);

        static DefaultHttpContext ContextOf(IServiceScope scope, string name) => new()
        {
            RequestServices = scope.ServiceProvider,
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, name)], "Cookies")),
        };
    }

    [Fact]
    public void NotificationsEndpoints_EveryParameter_ComesFromNeitherRouteNorQuery()
    {
        var actions = sample.App.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .Where(a => a.RouteValues["controller"] == "Notifications")
            .ToList();

        actions.Should().HaveCount(2);
        actions.SelectMany(a => a.Parameters).Select(p => p.BindingInfo?.BindingSource)
            .Should().NotContain(s => s == BindingSource.Query || s == BindingSource.Path || s == BindingSource.Form);
        actions.Select(a => a.AttributeRouteInfo!.Template).Should().OnlyContain(t => !t!.Contains('{'), "no route value names a user");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Alice")]
    [InlineData("alice\nbob")]
    [InlineData("alice\n")]
    [InlineData("a-name-that-is-far-too-long-for-the-demo")]
    public async Task SignIn_NameOutsideThePattern_Returns400(string name)
    {
        using var response = await Client.PostAsync(new Uri($"/demo/sign-in?name={Uri.EscapeDataString(name)}", UriKind.Relative), null);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    public void Dispose() => _client.Dispose();

    private async Task<string> SignInAsync(string name)
    {
        using var response = await Client.PostAsync(new Uri($"/demo/sign-in?name={name}", UriKind.Relative), null);
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DemoAuthentication.CookieName + "=", StringComparison.Ordinal));
        return setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
    }

    private async Task NotifyAsync(string cookie, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/me/notifications") { Content = JsonContent.Create(new { text }) };
        request.Headers.Add("Cookie", cookie);
        using var response = await Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }
}
