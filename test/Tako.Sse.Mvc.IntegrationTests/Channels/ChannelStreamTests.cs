using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>A subscription is an SseActionResult like any other: keep-alive, retry, shutdown and disconnect.</summary>
public class ChannelStreamTests
{
    [Fact]
    public async Task Subscribe_ChannelSilentForThePeriod_KeepAliveThenEvents()
    {
        var time = new ObservableTimeProvider();

        // No age limit, so the hub arms no sweep timer and the only arming is the stream's.
        await using var app = await ChannelsApp.StartAsync(c => c.HistoryMaxAge = null, time, options: o =>
        {
            o.KeepAlive = TimeSpan.FromSeconds(10);
            o.Retry = TimeSpan.FromSeconds(3);
        });
        using var response = await app.Client.OpenAsync("/channels/open/quiet");
        await using var raw = await RawEventStream.OpenAsync(response);
        (await raw.ReadThroughAsync("\n\n")).Should().Be("retry: 3000\n\n");
        (await raw.ReadThroughAsync("\n\n")).Should().Be($"id: {((InMemorySseHub)app.Hub()).Ids.Epoch}-0\n\n", "a stream opens with its position");

        await time.WaitForArmingsAsync(1);
        time.Advance(TimeSpan.FromSeconds(10));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");

        var id = await app.Hub().PublishAsync("quiet", SseEvent.FromData("news"));
        (await raw.ReadThroughAsync("\n\n")).Should().Be($"id: {id}\ndata: news\n\n");
    }

    [Fact]
    public async Task StopAsync_FiftySubscribers_EveryStreamEndsPromptlyAndLeavesTheChannel()
    {
        await using var app = await ChannelsApp.StartAsync(services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2)));
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.Client.OpenAsync("/channels/open/shutdown")));
        app.Hub().GetSubscriberCount("shutdown").Should().Be(50);
        var bodies = responses.Select(r => r.ReadAllAsync()).ToList();

        var stopwatch = Stopwatch.StartNew();
        await app.App.StopAsync();
        stopwatch.Stop();

        // Generous: the point is "not the shutdown timeout", on a loaded 2-core machine.
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
        (await Task.WhenAll(bodies)).Should().AllSatisfy(items => items.Should().BeEmpty());
        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("shutdown") == 0, "every subscriber to leave");
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Subscribe_ClientLeaves_SubscriberRemovedAndNothingLoggedAboveDebug()
    {
        await using var app = await ChannelsApp.StartAsync(c => c.HistorySize = 0);
        var subscriber = await app.SubscribeAsync("/channels/open/brief");
        await app.PublishAsync("brief", 1);
        await subscriber.NextAsync();

        await subscriber.DisposeAsync();

        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("brief") == 0, "the subscriber to leave");
        await Poll.UntilAsync(() => ((InMemorySseHub)app.Hub()).ChannelCount == 0, "the channel, empty now, to be removed");
        app.Logs.GetSnapshot().Where(r => r.Category?.StartsWith("Tako", StringComparison.Ordinal) == true)
            .Should().OnlyContain(r => r.Level <= Microsoft.Extensions.Logging.LogLevel.Debug);
    }
}
