using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// Kestrel on 127.0.0.1 with the four sides of the fan-out run (<see cref="FanoutController"/> for ours and
/// the naive fan-out, <see cref="FanoutHub"/> for SignalR, a bare endpoint for <see cref="BareRingFanout"/>), the
/// many channels of the fanout-cluster run (<see cref="FanoutSpread"/>, <see cref="SpreadFanoutHub"/>) and the idle streams of the other runs, used here to
/// bring Kestrel's memory pool to its working size before the memory baseline.
/// </summary>
internal sealed class FanoutServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FanoutServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public E2EWorkload Workload => _app.Services.GetRequiredService<E2EWorkload>();

    /// <summary>
    /// Starts a server; <paramref name="hub"/> can put its hub elsewhere and <paramref name="signalR"/> SignalR's
    /// connections (the fanout-redis run: both on Redis).
    /// </summary>
    /// <remarks>
    /// <paramref name="keepAlive"/> (the scale run's keep-alive windows) turns our keep-alive on and has a bare
    /// endpoint, <c>/fanout/bare-keepalive</c>, write the same comment to its streams at the same period.
    /// <paramref name="backlog"/> (the churn run's <c>--churn-backlog</c>) replaces Kestrel's listen backlog of 512.
    /// </remarks>
    public static async Task<FanoutServer> StartAsync(Action<ITakoSseBuilder>? hub = null, Action<ISignalRServerBuilder>? signalR = null, TimeSpan? keepAlive = null, int? backlog = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (backlog is { } queue)
        {
            builder.WebHost.UseSockets(o => o.Backlog = queue);
        }

        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.MaxConcurrentUpgradedConnections = null;
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<E2EWorkload>();
        builder.Services.AddSingleton<NaiveFanout>();
        builder.Services.AddSingleton<BareRingFanout>();
        builder.Services.AddSingleton<BareKeepAlive>();
        builder.Services.AddSingleton<FanoutHubConnections>();
        builder.Services.AddSingleton<FanoutSpread>();
        builder.Services.AddControllers().AddApplicationPart(typeof(FanoutServer).Assembly);
        var hubs = builder.Services.AddSignalR();
        signalR?.Invoke(hubs);

        // No keep-alive frame during the event runs: every frame a subscriber counts is an event.
        var tako = builder.Services.AddTakoSse(o => o.KeepAlive = keepAlive);
        hub?.Invoke(tako);

        var app = builder.Build();
        app.UseWebSockets();
        app.MapControllers();
        app.MapHub<FanoutHub>("/fanout/hub");
        app.MapHub<SpreadFanoutHub>("/fanout/spread-hub");
        app.MapGet("/fanout/bare", (HttpContext context, BareRingFanout ring) => ring.HoldAsync(context));
        var bare = app.Services.GetRequiredService<BareKeepAlive>();
        app.MapGet("/fanout/bare-keepalive", (HttpContext context, E2EWorkload workload) => bare.HoldAsync(context, workload));
        await app.StartAsync();
        if (keepAlive is { } period)
        {
            _ = bare.RunAsync(period, app.Lifetime.ApplicationStopping);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FanoutServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
