using System.Diagnostics.Metrics;
using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// Starts a <see cref="TestApp"/> for the channel tests: AddTakoSse, the test authentication scheme, the
/// <see cref="ChannelsController"/> routes and a minimal API subscription at <c>/minimal/{name}</c>.
/// </summary>
internal static class ChannelsApp
{
    public static string UserChannel(string user) => "user:" + user;

    public static Task<TestApp> StartAsync(
        Action<SseChannelOptions>? channels = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null,
        Action<TakoSseOptions>? options = null,
        HttpProtocols protocols = HttpProtocols.Http1) =>
        TestApp.StartAsync(
            s =>
            {
                if (time is not null)
                {
                    s.AddSingleton(time);
                }

                s.AddTakoSse(o =>
                {
                    channels?.Invoke(o.Channels);
                    options?.Invoke(o);
                });
                s.AddAuthentication(TestUserAuthentication.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.SchemeName, null);
                s.AddAuthorization();
                services?.Invoke(s);
            },
            pipeline: a =>
            {
                a.UseAuthentication();
                a.UseAuthorization();
            },
            protocols: protocols,
            endpoints: e =>
            {
                e.MapGet(
                    "/minimal/{name}",
                    (string name, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) => SseActionResult.Subscribe(name, lastEventId));
                e.MapGet(
                    "/minimal-many",
                    ([FromQuery(Name = "channel")] string[] channels, [FromHeader(Name = "Last-Event-ID")] string? lastEventId) => SseActionResult.Subscribe(channels, lastEventId));
            });

    /// <summary>The path of a subscription to several channels (<see cref="ChannelsController.Many"/>, or the minimal API's).</summary>
    public static string Many(params string[] channels) => Many("/channels/many", channels);

    public static string Many(string path, string[] channels) =>
        path + "?" + string.Join('&', channels.Select(c => "channel=" + Uri.EscapeDataString(c)));

    public static ISseHub Hub(this TestApp app) => app.Services.GetRequiredService<ISseHub>();

    /// <summary>Opens a subscription and returns its parsed events; the subscriber is counted when this returns.</summary>
    public static async Task<Subscriber> SubscribeAsync(this TestApp app, string path, string? lastEventId = null, HttpClient? client = null)
    {
        var response = await (client ?? app.Client).OpenAsync(path, r =>
        {
            if (lastEventId is not null)
            {
                r.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }
        });
        response.EnsureSuccessStatusCode();
        return new Subscriber(response, await response.EventsAsync());
    }

    public static MetricCollector<long> Metric(this TestApp app, string name) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), "Tako.Sse.Mvc", name);

    public static long Sum(this MetricCollector<long> collector) => collector.GetMeasurementSnapshot().Sum(m => m.Value);

    public static Task PublishAsync(this TestApp app, string channel, int count, string prefix = "e") =>
        PublishManyAsync(app.Hub(), channel, count, prefix);

    private static async Task PublishManyAsync(ISseHub hub, string channel, int count, string prefix)
    {
        for (var i = 0; i < count; i++)
        {
            await hub.PublishAsync(channel, SseEvent.FromData($"{prefix}{i}"));
        }
    }
}

/// <summary>One open subscription read with <see cref="SseParser"/>.</summary>
internal sealed class Subscriber(HttpResponseMessage response, IAsyncEnumerator<SseItem<string>> events) : IAsyncDisposable
{
    public HttpResponseMessage Response => response;

    public Task<SseItem<string>> NextAsync() => events.NextAsync();

    public async Task<List<SseItem<string>>> NextAsync(int count)
    {
        var items = new List<SseItem<string>>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(await events.NextAsync());
        }

        return items;
    }

    /// <summary>Waits for the server to end the stream; fails if another event comes first, or nothing within the deadline.</summary>
    public async Task EndAsync()
    {
        var moveNext = events.MoveNextAsync().AsTask();
        if (await Task.WhenAny(moveNext, Task.Delay(Poll.Deadline)) != moveNext)
        {
            throw new TimeoutException($"The stream did not end within {Poll.Deadline}.");
        }

        if (await moveNext)
        {
            throw new InvalidOperationException($"An event came where the stream should end: {events.Current.EventType} {events.Current.Data}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        response.Dispose();
        try
        {
            await events.DisposeAsync();
        }
        catch (NotSupportedException)
        {
            // A NextAsync that timed out left the parser inside a read; the test has failed already.
        }
    }
}
