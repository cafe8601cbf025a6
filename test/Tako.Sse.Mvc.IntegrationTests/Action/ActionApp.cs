using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>Starts a <see cref="TestApp"/> for the SseActionResult tests: a <see cref="StreamProbe"/>, AddTakoSse and a fake clock.</summary>
internal static class ActionApp
{
    public static Task<TestApp> StartAsync(
        Action<TakoSseOptions>? options = null,
        ObservableTimeProvider? time = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? pipeline = null,
        HttpProtocols protocols = HttpProtocols.Http1,
        Action<WebApplication>? endpoints = null,
        bool addTakoSse = true) =>
        TestApp.StartAsync(
            s =>
            {
                s.AddSingleton<StreamProbe>();

                // Keep-alive is driven by a fake clock that only moves when a test advances it.
                s.AddSingleton<TimeProvider>(time ?? new ObservableTimeProvider());
                if (addTakoSse)
                {
                    s.AddTakoSse(options ?? (_ => { }));
                }

                services?.Invoke(s);
            },
            pipeline,
            protocols,
            endpoints);

    public static StreamProbe Probe(this TestApp app) => app.Services.GetRequiredService<StreamProbe>();
}
