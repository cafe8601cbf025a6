using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>
/// A real ASP.NET Core app on Kestrel at 127.0.0.1 with an OS-chosen port, the controllers of this test
/// assembly, every log entry captured, and an <see cref="HttpClient"/> pointed at it.
/// </summary>
public sealed partial class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, Uri baseAddress, HttpProtocols protocols)
    {
        App = app;
        BaseAddress = baseAddress;
        Logs = app.Services.GetFakeLogCollector();
        Client = CreateClient(protocols);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public FakeLogCollector Logs { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Starts an app; <paramref name="services"/> and <paramref name="pipeline"/> customise it.</summary>
    /// <param name="services">Registers services; by default only controllers are added (no AddTakoSse).</param>
    /// <param name="pipeline">Adds middleware before the controllers are mapped.</param>
    /// <param name="protocols">Kestrel's protocols: HTTP/1.1 by default; <see cref="HttpProtocols.Http2"/> gives h2c.</param>
    /// <param name="endpoints">Maps extra endpoints (minimal APIs) after the controllers.</param>
    public static async Task<TestApp> StartAsync(
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? pipeline = null,
        HttpProtocols protocols = HttpProtocols.Http1,
        Action<WebApplication>? endpoints = null)
    {
        var builder = LoopbackApp.CreateBuilder(LogLevel.Trace, protocols);
        builder.Services.AddControllers().AddApplicationPart(typeof(TestApp).Assembly);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        pipeline?.Invoke(app);
        app.MapControllers();
        endpoints?.Invoke(app);
        await app.StartAsync();

        return new TestApp(app, LoopbackApp.AddressOf(app), protocols);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await LoopbackApp.StopAsync(App);
    }

    private HttpClient CreateClient(HttpProtocols protocols)
    {
        var client = LoopbackApp.CreateClient(BaseAddress);
        if (protocols == HttpProtocols.Http2)
        {
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }
}
