using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// What every test application is built on: real Kestrel on 127.0.0.1 with an OS-chosen port, every log entry
/// captured by the fake logger, an <see cref="HttpClient"/> pointed at it, and a stop bounded in time. Linked
/// from test/Shared into the integration tests (<c>TestApp</c>) and the Redis tests (<c>RedisApp</c>).
/// </summary>
public static class LoopbackApp
{
    /// <summary>A slim builder in Development, listening on a free loopback port, logging to the fake collector only.</summary>
    /// <param name="minimumLevel">The lowest level captured.</param>
    /// <param name="protocols">Kestrel's protocols for the endpoint; Kestrel's default when null.</param>
    public static WebApplicationBuilder CreateBuilder(LogLevel minimumLevel, HttpProtocols? protocols = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (protocols is { } chosen)
            {
                listen.Protocols = chosen;
            }
        }));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddFakeLogging();
        return builder;
    }

    /// <summary>The address a started app listens on.</summary>
    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    /// <summary>A client of <paramref name="baseAddress"/> that keeps no pooled connection and never times out by itself.</summary>
    public static HttpClient CreateClient(Uri baseAddress) => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        BaseAddress = baseAddress,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Stops the app (within 30 s) and disposes it.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}
