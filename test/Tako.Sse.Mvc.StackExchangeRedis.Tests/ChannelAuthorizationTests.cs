using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>
/// Who may subscribe, with the hub on Redis: user channels and authorizers decide before the instance
/// subscribes to anything on Redis, with real cookie authentication.
/// </summary>
public sealed class ChannelAuthorizationTests
{
    [SkippableFact]
    public async Task Subscribe_UserChannel_Anonymous401OtherUser403AndTheOwnerGetsWhatAnotherInstancePublishes()
    {
        const string channel = "notifications#alice";
        await using var redis = await RedisServer.StartAsync();
        await using var a = await StartAsync(redis);
        await using var b = await StartAsync(redis);

        using var anonymous = await OpenAsync(a, channel, user: null);
        using var bob = await OpenAsync(a, channel, user: "bob");

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        bob.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        bob.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        a.Hub.GetSubscriberCount(channel).Should().Be(0);
        a.RedisHub.Channels.TryGet(channel, out _).Should().BeFalse("a refused request makes no Redis subscription");

        await using var alice = await ReadAsync(a, channel, user: "alice");
        await a.ServingAsync(channel);

        // Publishing is server code: b publishes with no user at all.
        var id = await b.PublishAsync(channel, "for alice, from b");
        (await alice.UntilCountAsync(1)).Single().Should().Match<System.Net.ServerSentEvents.SseItem<string>>(e => e.Data == "for alice, from b" && e.EventId == id);
    }

    [SkippableFact]
    public async Task Subscribe_Authorizers_RefusedWithNoRedisSubscriptionThrowingIs500AndAllowedStreams()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = await StartAsync(redis, t => t
            .AddChannelAuthorizer((_, channel) => channel == "broken" ? throw new InvalidOperationException("authorizer down") : ValueTask.FromResult(true))
            .AddChannelAuthorizer((context, channel) => ValueTask.FromResult(channel != "secret" || context.User.Identity?.Name == "admin")));

        using var anonymous = await OpenAsync(app, "secret", user: null);
        using var bob = await OpenAsync(app, "secret", user: "bob");
        using var broken = await OpenAsync(app, "broken", user: "bob");

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        bob.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        broken.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        app.Logs.GetSnapshot().Where(r => r.Exception is not null).Should().ContainSingle()
            .Which.Id.Should().Be(new EventId(37, "SseChannelAuthorizerFailed"));
        var subscriptions = (StackExchange.Redis.RedisResult[])(await redis.ExecuteAsync("PUBSUB", "NUMSUB", "tako:sse:secret", "tako:sse:broken"))!;
        subscriptions.Where((_, i) => i % 2 == 1).Select(r => (long)r).Should().Equal(0L, 0L);
        app.Hub.GetSubscriberCount("secret").Should().Be(0);

        await using var admin = await ReadAsync(app, "secret", user: "admin");
        await app.ServingAsync("secret");
        await app.PublishAsync("secret", "for the admin");
        (await admin.UntilCountAsync(1)).Single().Data.Should().Be("for the admin");
    }

    [SkippableFact]
    public async Task Recheck_AuthorizerStartsRefusingOneOfTwo_RevokedEventThenOnlyTheOtherChannel()
    {
        var interval = TimeSpan.FromMinutes(1);
        var time = new FakeTimeProvider();
        var refused = new ConcurrentDictionary<string, bool>();
        await using var redis = await RedisServer.StartAsync();
        await using var app = await RedisApp.StartAsync(
            redis,
            channels: c => c.ReauthorizeInterval = interval,
            options: o =>
            {
                o.KeepAlive = null;
                o.WriteTimeout = null;
            },
            services: s =>
            {
                s.AddSingleton<TimeProvider>(time);
                s.AddTakoSse().AddChannelAuthorizer((_, channel) => ValueTask.FromResult(!refused.ContainsKey(channel)));
            });
        await using var stream = await app.SubscribeManyAsync(["kept", "revoked"]);
        await app.ServingAsync("kept");
        await app.ServingAsync("revoked");
        await app.PublishAsync("kept", "first");
        await stream.UntilAsync(events => events.Any(e => e.Data == "first"), "the first event");

        refused["revoked"] = true;
        time.Advance(interval);

        var events = await stream.UntilAsync(events => events.Any(e => e.EventType == "tako.revoked"), "the revoked event");
        events.Single(e => e.EventType == "tako.revoked").Data.Should().Be("""{"channel":"revoked"}""");
        app.Hub.GetSubscriberCount("revoked").Should().Be(0);
        await app.PublishAsync("revoked", "not for this stream");
        await app.PublishAsync("kept", "after");
        await stream.UntilAsync(events => events.Any(e => e.Data == "after"), "the kept channel's next event");
        stream.Data().Should().NotContain("not for this stream");
    }

    private static Task<RedisApp> StartAsync(RedisServer redis, Action<ITakoSseBuilder>? tako = null) =>
        RedisApp.StartAsync(redis, services: s =>
        {
            tako?.Invoke(s.AddTakoSse());
            s.AddDataProtection().UseEphemeralDataProtectionProvider();
            s.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        });

    private static async Task<StreamReading> ReadAsync(RedisApp app, string channel, string user)
    {
        var response = await OpenAsync(app, channel, user);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await StreamReading.StartAsync(response);
    }

    // The app's own cookie handler protects the ticket, as its sign-in would: the request is authenticated by
    // the real cookie authentication, not by a stand-in.
    private static Task<HttpResponseMessage> OpenAsync(RedisApp app, string channel, string? user) =>
        app.Client.OpenAsync("/channels/" + Uri.EscapeDataString(channel), request =>
        {
            if (user is not null)
            {
                var cookies = app.App.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
                var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user), new Claim(ClaimTypes.Name, user)], CookieAuthenticationDefaults.AuthenticationScheme);
                var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), CookieAuthenticationDefaults.AuthenticationScheme);
                request.Headers.Add("Cookie", $"{cookies.Cookie.Name}={cookies.TicketDataFormat.Protect(ticket)}");
            }
        });
}
