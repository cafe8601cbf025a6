using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Authentication;

/// <summary>
/// A <see cref="TestApp"/> whose credentials expire on a fake clock: a sign-in cookie with the lifetime the test
/// asks for (<c>POST /expiry/sign-in</c>) and JWT bearer tokens this class signs, both validated by the real
/// handlers against the same fake clock (<see cref="ObservableTimeProvider"/>) the streams use. Streams that require a signed-in
/// user: a channel subscription at <c>/expiry/channels/{name}</c> and a plain stream at <c>/expiry/plain</c>
/// (minimal APIs); the MVC controllers of the assembly (<c>/action/silent</c>) answer too.
/// </summary>
internal static class ExpiryApp
{
    public const string Issuer = "tako-expiry-tests";

    private const string CookieOrBearer = "cookie-or-bearer";

    private static readonly SymmetricSecurityKey s_signingKey = new("tako-expiry-tests-signing-key-of-256-bits!!"u8.ToArray());

    public static Task<TestApp> StartAsync(ObservableTimeProvider time, Action<TakoSseOptions>? options = null) =>
        TestApp.StartAsync(
            s =>
            {
                s.AddSingleton<TimeProvider>(time);
                s.AddSingleton<StreamProbe>();

                // No write timeout: the clock jumps by a minute at a time, and only the expiry is under test.
                s.AddTakoSse(o =>
                {
                    o.WriteTimeout = null;
                    options?.Invoke(o);
                });
                s.AddDataProtection().UseEphemeralDataProtectionProvider();
                s.AddAuthentication(CookieOrBearer)
                    .AddPolicyScheme(CookieOrBearer, null, o => o.ForwardDefaultSelector = c =>
                        c.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme)
                    .AddCookie(o =>
                    {
                        // The ticket's expiry is judged on the fake clock, as the stream's is.
                        o.TimeProvider = time;
                        o.SlidingExpiration = false;

                        // EventSource cannot follow a login page: a plain 401, as an API answers.
                        o.Events.OnRedirectToLogin = c =>
                        {
                            c.Response.StatusCode = StatusCodes.Status401Unauthorized;
                            return Task.CompletedTask;
                        };
                    })
                    .AddJwtBearer(o =>
                    {
                        o.TimeProvider = time;
                        o.MapInboundClaims = false;
                        o.TokenValidationParameters = new TokenValidationParameters
                        {
                            ValidIssuer = Issuer,
                            ValidAudience = Issuer,
                            IssuerSigningKey = s_signingKey,
                            ClockSkew = TimeSpan.Zero,

                            // The token handler reads DateTime.UtcNow; its lifetime check runs on the fake clock here.
                            LifetimeValidator = (notBefore, expires, _, _) =>
                                (notBefore is null || notBefore <= time.GetUtcNow().UtcDateTime) && expires > time.GetUtcNow().UtcDateTime,
                        };
                    });
                s.AddAuthorization();
            },
            pipeline: a =>
            {
                a.UseAuthentication();
                a.UseAuthorization();
            },
            endpoints: e =>
            {
                e.MapPost("/expiry/sign-in", async (HttpContext context, string user, int seconds) =>
                {
                    var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], CookieAuthenticationDefaults.AuthenticationScheme);
                    var properties = new AuthenticationProperties
                    {
                        ExpiresUtc = time.GetUtcNow().AddSeconds(seconds),
                        AllowRefresh = false,
                    };
                    await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), properties);
                    return Results.NoContent();
                });
                e.MapGet(
                    "/expiry/channels/{name}",
                    (string name, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) => SseActionResult.Subscribe(name, lastEventId))
                    .RequireAuthorization();
                e.MapGet("/expiry/plain", (StreamProbe probe) => new SseActionResult(PlainEvents(probe))).RequireAuthorization();
            });

    /// <summary>A client of its own holding a sign-in cookie that expires <paramref name="seconds"/> from now on the fake clock.</summary>
    public static async Task<HttpClient> SignInAsync(this TestApp app, string user, int seconds, HttpClient? client = null)
    {
        client ??= new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = app.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var response = await client.PostAsync($"/expiry/sign-in?user={Uri.EscapeDataString(user)}&seconds={seconds}", content: null);
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        return client;
    }

    /// <summary>A client sending a JWT bearer token signed here that expires <paramref name="seconds"/> from now on the fake clock.</summary>
    public static HttpClient Bearer(this TestApp app, TimeProvider time, string subject, int seconds)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            Claims = new Dictionary<string, object> { ["sub"] = subject },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(seconds),
            SigningCredentials = new SigningCredentials(s_signingKey, SecurityAlgorithms.HmacSha256),
        });
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Waits (bounded by <see cref="Poll.Deadline"/>) for the server to end the stream cleanly, with no further event.</summary>
    public static async Task ShouldEndAsync(this IAsyncEnumerator<SseItem<string>> events)
    {
        var moveNext = events.MoveNextAsync().AsTask();
        var winner = await Task.WhenAny(moveNext, Task.Delay(Poll.Deadline));
        winner.Should().BeSameAs(moveNext, "the stream should end within {0}", Poll.Deadline);

        // An aborted response would throw here (the chunked body ended early): this is the terminator.
        (await moveNext).Should().BeFalse("the stream should end, not send {0}", moveNext.IsCompletedSuccessfully && moveNext.Result ? events.Current.Data : null);
    }

    /// <summary>
    /// The expiry is an ordinary end: no Error anywhere, and nothing from our own categories above Debug or with an
    /// exception. (Data protection may warn about its ephemeral keys; that is the test app's set-up, not the stream.)
    /// </summary>
    public static void ShouldShowNoFailure(this FakeLogCollector logs)
    {
        logs.Above(LogLevel.Warning).Should().BeEmpty("{0}", logs.Above(LogLevel.Warning).Describe());
        var ours = logs.GetSnapshot().Where(r => r.Category?.StartsWith("Tako.Sse.Mvc", StringComparison.Ordinal) == true).ToList();
        ours.Should().OnlyContain(r => r.Level <= LogLevel.Debug && r.Exception == null, "{0}", ours.Describe());
    }

    // Nothing until the stream is cancelled; marks "plain.started" and "plain.disposed".
    private static async IAsyncEnumerable<SseEvent> PlainEvents(StreamProbe probe, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            probe.Mark("plain.started");
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
        finally
        {
            probe.Mark("plain.disposed");
        }
    }
}
