using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

/// <summary>
/// One application instance: real Kestrel on 127.0.0.1, AddTakoSse().AddStackExchangeRedis() with a
/// multiplexer of its own, and <c>GET /channels/{name}</c> subscribing with the request's Last-Event-ID.
/// Cross-instance tests start two of these against one <see cref="RedisServer"/>.
/// </summary>
public sealed class RedisApp : IAsyncDisposable
{
    private RedisApp(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Logs = app.Services.GetFakeLogCollector();
        Client = LoopbackApp.CreateClient(baseAddress);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public FakeLogCollector Logs { get; }

    public ISseHub Hub => App.Services.GetRequiredService<ISseHub>();

    internal RedisSseHub RedisHub => (RedisSseHub)Hub;

    public static async Task<RedisApp> StartAsync(
        RedisServer redis,
        Action<SseChannelOptions>? channels = null,
        Action<TakoSseOptions>? options = null,
        string? user = null,
        string? password = null,
        string keyPrefix = "tako:sse:",
        Action<IServiceCollection>? services = null) =>
        await StartAsync(redis.Configuration(user, password), channels, options, keyPrefix, services);

    /// <summary>Starts an instance on a Redis Cluster (given its nodes, as an application would be).</summary>
    public static async Task<RedisApp> StartAsync(
        RedisCluster cluster,
        Action<SseChannelOptions>? channels = null,
        Action<TakoSseOptions>? options = null,
        string keyPrefix = "tako:sse:",
        Action<IServiceCollection>? services = null,
        string? user = null,
        string? password = null) =>
        await StartAsync(cluster.Configuration(user, password), channels, options, keyPrefix, services);

    private static async Task<RedisApp> StartAsync(
        ConfigurationOptions configuration,
        Action<SseChannelOptions>? channels,
        Action<TakoSseOptions>? options,
        string keyPrefix,
        Action<IServiceCollection>? services)
    {
        var builder = LoopbackApp.CreateBuilder(LogLevel.Debug);
        builder.Services
            .AddTakoSse(o =>
            {
                channels?.Invoke(o.Channels);
                options?.Invoke(o);
            })
            .AddStackExchangeRedis(o =>
            {
                o.Configuration = configuration;
                o.KeyPrefix = keyPrefix;
            });

        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGet(
            "/channels/{name}",
            (string name, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) => SseActionResult.Subscribe(name, lastEventId));
        app.MapGet(
            "/many",
            ([FromQuery(Name = "channel")] string[] channels, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) => SseActionResult.Subscribe(channels, lastEventId));
        app.MapGet("/ping", () => Results.Text("pong"));
        await app.StartAsync();

        var started = new RedisApp(app, LoopbackApp.AddressOf(app));
        started.RedisHub.RetryDelay = TimeSpan.FromMilliseconds(100);
        return started;
    }

    /// <summary>Opens <c>/channels/{channel}</c>; returns once the response headers are in (the subscriber is registered).</summary>
    public async Task<StreamReading> SubscribeAsync(string channel, string? lastEventId = null, CancellationToken cancellationToken = default) =>
        await StreamReading.StartAsync(await Client.OpenAsync("/channels/" + Uri.EscapeDataString(channel), WithLastEventId(lastEventId), cancellationToken));

    /// <summary>Opens <c>/many?channel=…</c>, one stream of several channels; returns once the response headers are in.</summary>
    public async Task<StreamReading> SubscribeManyAsync(string[] channels, string? cursor = null)
    {
        var response = await Client.OpenAsync("/many?" + string.Join('&', channels.Select(c => "channel=" + Uri.EscapeDataString(c))), WithLastEventId(cursor));
        response.EnsureSuccessStatusCode();
        return await StreamReading.StartAsync(response);
    }

    public async Task<string> PublishAsync(string channel, string data) => await Hub.PublishAsync(channel, SseEvent.FromData(data));

    public async Task<List<string>> PublishAsync(string channel, int count, string prefix)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(await PublishAsync(channel, prefix + i));
        }

        return ids;
    }

    /// <summary>Waits until this instance's subscription to the channel is in place (its cursor is set).</summary>
    public Task ServingAsync(string channel) => Poll.UntilAsync(
        () => RedisHub.Channels.TryGet(channel, out var state) && state.Ready.IsCompletedSuccessfully,
        $"the subscription to {channel}");

    public IConnectionMultiplexer? Multiplexer => RedisHub.Connection.Current;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await LoopbackApp.StopAsync(App);
    }

    private static Action<HttpRequestMessage> WithLastEventId(string? lastEventId) => request =>
    {
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }
    };
}
