using Microsoft.Extensions.DependencyInjection.Extensions;
using Tako.Sse.Mvc.Sample.Chat;
using Tako.Sse.Mvc.Sample.Identity;
using Tako.Sse.Mvc.Sample.Live;
using Tako.Sse.Mvc.Sample.Logging;
using Tako.Sse.Mvc.Sample.Services;
using Tako.Sse.Mvc.Sample.Tiles;

namespace Tako.Sse.Mvc.Sample;

/// <summary>
/// Builds the sample application. <c>Program.cs</c> runs it; the browser tests start the very same app on
/// Kestrel in their own process.
/// </summary>
public static class SampleApp
{
    /// <summary>Where the sample listens unless <c>--urls</c>, <c>ASPNETCORE_URLS</c> or similar say otherwise.</summary>
    public const string DefaultUrl = "http://localhost:5000";

    /// <summary>Builds the sample from its command-line arguments.</summary>
    /// <param name="args">The command line, for example <c>--urls http://localhost:5080</c>.</param>
    /// <returns>The application, configured but not started.</returns>
    public static WebApplication Build(string[] args) => Build(args, configure: null);

    /// <summary>Builds the sample from its command-line arguments, letting a host add to its services.</summary>
    /// <param name="args">The command line, for example <c>--contentRoot</c> or <c>--Tako:Sse:KeepAlive=00:00:01</c>.</param>
    /// <param name="configure">Runs after the sample has registered its services, before the app is built.</param>
    /// <returns>The application, configured but not started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,

            // The sample's controllers are found from the application name, also when another process (the
            // browser tests) hosts it.
            ApplicationName = typeof(SampleApp).Assembly.GetName().Name,
        });

        if (!HasConfiguredAddress(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddControllers();

        // The OpenAPI document at /openapi/v1.json: each stream's events come from its [ProducesServerSentEvents].
        builder.Services.AddOpenApi();

        // Options come from the "Tako:Sse" section of appsettings.json; pass a delegate to set them in code.
        var tako = builder.Services.AddTakoSse();

        // GET /live takes its channel list from the page: only the sample's own channels exist. A user channel
        // passes here by its shape; the user-channel rule then lets only its user have it (401 or 403).
        tako.AddChannelAuthorizer((_, channel) => ValueTask.FromResult(LiveChannels.IsAllowed(channel)));

        // In memory by default. A Redis connection string (--ConnectionStrings:Redis=127.0.0.1:6379) puts the
        // channels on Redis, so that several instances of the sample share the chat and the notifications.
        if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
        {
            tako.AddStackExchangeRedis(redis);
        }

        builder.Services.AddSingleton<LogTail>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, LogTailLoggerProvider>());
        builder.Services.AddSingleton<ResumeConnections>();
        builder.Services.AddSingleton<ChatConnections>();
        builder.Services.AddSingleton<LiveConnections>();

        // A stand-in for real sign-in, so that the per-user channel has users (see DemoAuthentication).
        builder.Services.AddDemoAuthentication();
        builder.Services.AddHostedService<OrderSimulator>();
        builder.Services.AddSingleton<TileSimulator>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TileSimulator>());

        configure?.Invoke(builder);

        var app = builder.Build();

        // First in the pipeline, so every text/event-stream response gets the proxy-safe headers, including
        // the one ClockController writes by hand.
        app.UseSseHeaders();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapControllers();
        app.MapOpenApi();
        return app;
    }

    // An explicit address (command line, environment or appsettings) wins over the sample's default.
    private static bool HasConfiguredAddress(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey])
        || !string.IsNullOrEmpty(configuration[WebHostDefaults.HttpPortsKey])
        || !string.IsNullOrEmpty(configuration[WebHostDefaults.HttpsPortsKey])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
