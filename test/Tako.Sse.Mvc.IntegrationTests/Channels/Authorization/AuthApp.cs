using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels.Authorization;

/// <summary>
/// A <see cref="TestApp"/> with real ASP.NET Core authentication: a sign-in cookie (<c>POST /auth/sign-in</c>)
/// and JWT bearer tokens this class signs, either one authenticating a request. Subscriptions at
/// <c>/minimal/{name}</c> (minimal API) and <c>/channels/open/{name}</c> (the MVC controller), both with the
/// name from the route, so that only the channel rules decide who gets which stream.
/// </summary>
internal static class AuthApp
{
    public const string Issuer = "tako-tests";

    /// <summary>The two kinds of endpoint, MVC and minimal API: every rule holds on both.</summary>
    public static TheoryData<string> Endpoints => new() { "/channels/open/", "/minimal/" };

    private const string CookieOrBearer = "cookie-or-bearer";

    private static readonly SymmetricSecurityKey s_signingKey = new("tako-tests-signing-key-of-at-least-256-bits!"u8.ToArray());

    public static Task<TestApp> StartAsync(
        Action<ITakoSseBuilder>? tako = null,
        Action<SseChannelOptions>? channels = null,
        Action<IServiceCollection>? services = null) =>
        TestApp.StartAsync(
            s =>
            {
                var builder = s.AddTakoSse(o => channels?.Invoke(o.Channels));
                tako?.Invoke(builder);
                s.AddDataProtection().UseEphemeralDataProtectionProvider();
                s.AddAuthentication(CookieOrBearer)
                    .AddPolicyScheme(CookieOrBearer, null, o => o.ForwardDefaultSelector = c =>
                        c.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme)
                    .AddCookie()
                    .AddJwtBearer(o =>
                    {
                        o.MapInboundClaims = false;
                        o.TokenValidationParameters = new TokenValidationParameters
                        {
                            ValidIssuer = Issuer,
                            ValidAudience = Issuer,
                            IssuerSigningKey = s_signingKey,
                        };
                    });
                s.AddAuthorization();
                services?.Invoke(s);
            },
            pipeline: a =>
            {
                a.UseAuthentication();
                a.UseAuthorization();
            },
            endpoints: e =>
            {
                e.MapPost("/auth/sign-in", async (HttpContext context, string user, string? uid) =>
                {
                    List<Claim> claims = [new(ClaimTypes.NameIdentifier, user), new(ClaimTypes.Name, user)];
                    if (uid is not null)
                    {
                        claims.Add(new Claim("uid", uid));
                    }

                    var identity = new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme);
                    await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                    return Results.NoContent();
                });
                e.MapGet(
                    "/minimal/{name}",
                    (string name, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) => SseActionResult.Subscribe(name, lastEventId));

                // Anyone may call this; what it publishes to is server code's choice.
                e.MapPost("/auth/publish/{name}", async (string name, ISseHub hub) =>
                    Results.Ok(await hub.PublishAsync(name, SseEvent.FromData("published by an anonymous request"))));
            });

    /// <summary>A client holding the sign-in cookie of <paramref name="user"/> (with a <c>uid</c> claim when given).</summary>
    public static async Task<HttpClient> SignInAsync(this TestApp app, string user, string? uid = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = app.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var query = "/auth/sign-in?user=" + Uri.EscapeDataString(user) + (uid is null ? string.Empty : "&uid=" + Uri.EscapeDataString(uid));
        using var response = await client.PostAsync(query, content: null);
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        return client;
    }

    /// <summary>A client sending a JWT bearer token signed here, whose <c>sub</c> is <paramref name="subject"/>.</summary>
    public static HttpClient Bearer(this TestApp app, string subject)
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            Claims = new Dictionary<string, object> { ["sub"] = subject },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(s_signingKey, SecurityAlgorithms.HmacSha256),
        });
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The path of a subscription to <paramref name="channel"/> on <paramref name="endpoint"/> (one of <see cref="Endpoints"/>).</summary>
    public static string PathOf(string endpoint, string channel) => endpoint + Uri.EscapeDataString(channel);
}
