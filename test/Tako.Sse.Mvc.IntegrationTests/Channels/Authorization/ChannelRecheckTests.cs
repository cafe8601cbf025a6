using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;
using Behavior = Tako.Sse.Mvc.IntegrationTests.Channels.Authorization.RecheckAuthorizer.Behavior;

namespace Tako.Sse.Mvc.IntegrationTests.Channels.Authorization;

/// <summary>
/// Layer 3 of "who may subscribe": <see cref="SseChannelOptions.ReauthorizeInterval"/> asks an open stream's
/// channels again, on the app's clock (a fake one here, advanced by the test).
/// </summary>
public sealed class ChannelRecheckTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Recheck_AuthorizerStartsRefusingOneOfSeveral_RevokedEventThenOnlyTheOthers()
    {
        var time = new ObservableTimeProvider();
        var authorizer = new RecheckAuthorizer();
        await using var app = await authorizer.StartAppAsync(time, Interval);
        using var revokedMetric = app.Metric("tako.sse.channel.revoked");
        await using var stream = await app.SubscribeAsync(ChannelsApp.Many("A", "B"));
        await StartedAsync(app, stream, "A");
        app.Hub().GetSubscriberCount("B").Should().Be(1);

        authorizer.Set("B", Behavior.Refuse);
        time.Advance(Interval);

        var revoked = await stream.NextAsync();
        revoked.EventType.Should().Be("tako.revoked");
        JsonSerializer.Deserialize<Dictionary<string, string>>(revoked.Data).Should().Equal(new Dictionary<string, string> { ["channel"] = "B" });
        revoked.EventId.Should().StartWith("t1.", "the revoked event's id is the subscription's cursor")
            .And.NotContain(SseCursor.Key("B"), "a reconnect must not resume B from where it was revoked");
        app.Hub().GetSubscriberCount("B").Should().Be(0);
        app.Hub().GetSubscriberCount("A").Should().Be(1);

        await app.Hub().PublishAsync("B", SseEvent.FromData("b, not for this stream"));
        await app.Hub().PublishAsync("A", SseEvent.FromData("a after"));
        (await stream.NextAsync()).Data.Should().Be("a after");
        authorizer.Asked("A").Should().Be(2, "asked at subscribe time and once again");
        revokedMetric.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["reason"].Should().Be("authorizer");
        var logged = app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SseChannelRevoked").Subject;
        logged.Id.Id.Should().Be(39);
        logged.Level.Should().Be(LogLevel.Information);
        logged.Message.Should().Contain("B");
    }

    [Theory]
    [InlineData("/channels/open/B")]
    [InlineData("/minimal/B")]
    public async Task Recheck_SingleChannelRefused_RevokedEventThenTheResponseEnds(string path)
    {
        var time = new ObservableTimeProvider();
        var authorizer = new RecheckAuthorizer();
        await using var app = await authorizer.StartAppAsync(time, Interval, c => c.RevokedEventName = "gone");
        await using var stream = await app.SubscribeAsync(path);
        await StartedAsync(app, stream, "B");

        authorizer.Set("B", Behavior.Refuse);
        time.Advance(Interval);

        var revoked = await stream.NextAsync();
        revoked.EventType.Should().Be("gone", "RevokedEventName names the event");
        revoked.Data.Should().Be("""{"channel":"B"}""");
        await stream.EndAsync();
        app.Hub().GetSubscriberCount("B").Should().Be(0);
        app.Logs.GetSnapshot().Should().Contain(r => r.Id.Name == "SseStreamCompleted", "a stream with no channel left ends like a finished source");
    }

    [Theory]
    [InlineData(false, 40, "SseChannelRecheckFailed")]
    [InlineData(true, 41, "SseChannelRecheckTimedOut")]
    public async Task Recheck_AuthorizerThrowsOrHangs_ChannelStaysAndAWarningIsLogged(bool hangs, int eventId, string eventName)
    {
        var behavior = hangs ? Behavior.Hang : Behavior.Throw;
        var time = new ObservableTimeProvider();
        var authorizer = new RecheckAuthorizer();
        await using var app = await authorizer.StartAppAsync(time, Interval);
        using var revokedMetric = app.Metric("tako.sse.channel.revoked");
        await using var stream = await app.SubscribeAsync(ChannelsApp.Many("A", "B"));
        await StartedAsync(app, stream, "B");

        authorizer.Set("B", behavior);
        time.Advance(Interval);
        await Poll.UntilAsync(() => authorizer.Asked("B") == 2, "the re-check asking about B");
        if (behavior == Behavior.Hang)
        {
            // The bound: the smaller of the interval and 30 seconds.
            time.Advance(TimeSpan.FromSeconds(30));
        }

        await Poll.UntilAsync(() => app.Logs.GetSnapshot().Any(r => r.Id.Name == eventName), $"the {eventName} warning");
        var warning = app.Logs.GetSnapshot().Single(r => r.Id.Name == eventName);
        warning.Id.Id.Should().Be(eventId);
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain("B");
        if (behavior == Behavior.Throw)
        {
            warning.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be(RecheckAuthorizer.ThrownMessage);
        }

        app.Hub().GetSubscriberCount("B").Should().Be(1, "a failed re-check keeps the channel");
        await app.Hub().PublishAsync("B", SseEvent.FromData("b still here"));
        (await stream.NextAsync()).Data.Should().Be("b still here");
        revokedMetric.GetMeasurementSnapshot().Should().BeEmpty();
    }

    [Fact]
    public async Task Recheck_Off_ByDefault_EveryChannelIsAskedOnce()
    {
        new SseChannelOptions().ReauthorizeInterval.Should().BeNull();
        var time = new ObservableTimeProvider();
        var authorizer = new RecheckAuthorizer();
        await using var app = await authorizer.StartAppAsync(time, interval: null);
        await using var stream = await app.SubscribeAsync(ChannelsApp.Many("A", "B"));
        await StartedAsync(app, stream, "A");

        authorizer.Set("B", Behavior.Refuse);
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromHours(1));
        }

        await app.Hub().PublishAsync("B", SseEvent.FromData("b"));
        (await stream.NextAsync()).Data.Should().Be("b", "with the re-check off, an open stream keeps its channels");
        authorizer.Asked("A").Should().Be(1);
        authorizer.Asked("B").Should().Be(1);
        time.TimersCreated.Should().Be(0, "no re-check timer is created when the re-check is off");
    }

    [Fact]
    public async Task Recheck_ScopedAuthorizer_TheRequestsOwnInstanceAndContextAreAskedAgain()
    {
        var time = new ObservableTimeProvider();
        var asked = new ScopedAuthorizer.Record();
        await using var app = await ChannelsApp.StartAsync(
            c =>
            {
                c.HistoryMaxAge = null;
                c.ReauthorizeInterval = Interval;
            },
            time,
            services: s => s.AddSingleton(asked).AddTakoSse().AddChannelAuthorizer<ScopedAuthorizer>(),
            options: o => o.KeepAlive = null);
        await using var stream = await app.SubscribeAsync("/channels/open/scoped");
        await StartedAsync(app, stream, "scoped");

        time.Advance(Interval);
        await Poll.UntilAsync(() => asked.Calls.Count == 2, "the re-check");

        var calls = asked.Calls.ToArray();
        calls[1].Authorizer.Should().BeSameAs(calls[0].Authorizer, "a scoped authorizer is resolved from the request's services, as at subscribe time");
        calls[1].Context.Should().BeSameAs(calls[0].Context);
        calls[1].TraceIdentifier.Should().Be(calls[0].TraceIdentifier);
    }

    [Fact]
    public async Task Recheck_AfterTheResponseEnded_NotAskedAgain()
    {
        var time = new ObservableTimeProvider();
        var authorizer = new RecheckAuthorizer();
        await using var app = await authorizer.StartAppAsync(time, Interval);
        var gone = await app.SubscribeAsync("/channels/open/gone");
        await StartedAsync(app, gone, "gone");
        await using var open = await app.SubscribeAsync("/channels/open/open");
        await StartedAsync(app, open, "open");

        await gone.DisposeAsync();
        await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("gone") == 0, "the first response to end");
        time.Advance(Interval);

        await Poll.UntilAsync(() => authorizer.Asked("open") == 2, "the open stream's re-check");
        authorizer.Asked("gone").Should().Be(1, "a stream that has ended is not re-checked: its HttpContext is no longer its request's");
    }

    // An event of the channel is through: the stream loop has asked for its subscription, so the re-check is armed.
    private static async Task StartedAsync(TestApp app, Subscriber stream, string channel)
    {
        await app.Hub().PublishAsync(channel, SseEvent.FromData("first"));
        (await stream.NextAsync()).Data.Should().Be("first");
    }

    /// <summary>A scoped authorizer (<c>AddChannelAuthorizer&lt;T&gt;</c>) that records which instance was asked, with which request.</summary>
    internal sealed class ScopedAuthorizer(ScopedAuthorizer.Record record) : ISseChannelAuthorizer
    {
        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken)
        {
            record.Calls.Enqueue((this, context, context.TraceIdentifier));
            return ValueTask.FromResult(true);
        }

        internal sealed class Record
        {
            public ConcurrentQueue<(ScopedAuthorizer Authorizer, HttpContext Context, string TraceIdentifier)> Calls { get; } = new();
        }
    }
}
