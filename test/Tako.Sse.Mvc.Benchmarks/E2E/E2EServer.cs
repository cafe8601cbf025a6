using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Kestrel on 127.0.0.1 with the three endpoints of every figure: <see cref="SseActionResult"/> from an MVC
/// controller (<see cref="E2EController"/>, <c>/ours/…</c>), the built-in <c>TypedResults.ServerSentEvents</c>
/// from an MVC controller (<see cref="BuiltinController"/>, <c>/builtin/…</c>), and a bare endpoint writing
/// pre-encoded 64 KB batches (<c>/limit/…</c>); plus both silent streams as minimal APIs (<c>/minimal/…</c>).
/// </summary>
internal sealed class E2EServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private E2EServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Workload = app.Services.GetRequiredService<E2EWorkload>();
    }

    public Uri BaseAddress { get; }

    public E2EWorkload Workload { get; }

    /// <param name="keepAlive">Our keep-alive period (the built-in result has none).</param>
    public static async Task<E2EServer> StartAsync(TimeSpan keepAlive)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.MaxConcurrentUpgradedConnections = null;
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<E2EWorkload>();
        builder.Services.AddControllers().AddApplicationPart(typeof(E2EServer).Assembly);
        builder.Services.AddTakoSse(o => o.KeepAlive = keepAlive);

        var app = builder.Build();
        app.MapControllers();
        var workload = app.Services.GetRequiredService<E2EWorkload>();

        // The same silent streams as minimal APIs, to show what the MVC pipeline itself holds per request.
        app.MapGet("/minimal/ours/silent", () => new SseActionResult(workload.Silent<SseEvent>()));
        app.MapGet("/minimal/builtin/silent", () => TypedResults.ServerSentEvents(workload.Silent<System.Net.ServerSentEvents.SseItem<string>>()));
        app.MapGet("/limit/burst", (HttpContext context, int count) => WriteLimitAsync(context, workload, count));
        var bare = new BareKeepAlive();
        app.MapGet("/limit/silent", (HttpContext context) => bare.HoldAsync(context, workload));

        await app.StartAsync();
        _ = bare.RunAsync(keepAlive, app.Lifetime.ApplicationStopping);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new E2EServer(app, new Uri(address));
    }

    /// <summary>Frames the limit endpoint sends for a request of <paramref name="count"/>: whole batches only.</summary>
    public static long LimitFrames(E2EWorkload workload, int count) =>
        (long)((count + workload.LimitBatchFrames - 1) / workload.LimitBatchFrames) * workload.LimitBatchFrames;

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    // The practical limit of this machine: the same frames, already encoded, in 64 KB writes.
    private static async Task WriteLimitAsync(HttpContext context, E2EWorkload workload, int count)
    {
        context.Response.ContentType = "text/event-stream";
        var body = context.Response.BodyWriter;
        var batches = LimitFrames(workload, count) / workload.LimitBatchFrames;
        for (var i = 0; i < batches; i++)
        {
            var result = await body.WriteAsync(workload.LimitBatch, context.RequestAborted);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }
}
