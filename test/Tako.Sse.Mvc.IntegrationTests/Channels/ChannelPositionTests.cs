namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// Every subscription without <c>Last-Event-ID</c> opens with an id-only frame carrying its position, so a
/// client cut before its first event reconnects from where it started instead of live-only.
/// </summary>
public sealed class ChannelPositionTests
{
    [Fact]
    public async Task Subscribe_CutByTheDisconnectPolicyBeforeItsFirstEvent_ReconnectGetsEveryEventSinceOnOpen()
    {
        const int Count = 2_000;
        await using var app = await ChannelsApp.StartAsync(c =>
        {
            c.SubscriberQueueSize = 16;
            c.HistorySize = Count;
        });
        await app.PublishAsync("burst", 3, "before");

        string position;
        using (var stalled = StalledClient.Create(app.BaseAddress))
        using (var response = await stalled.OpenAsync("/channels/open/burst"))
        await using (var raw = await RawEventStream.OpenAsync(response))
        {
            var opening = await raw.ReadThroughAsync("\n\n");
            opening.Should().StartWith("id: ").And.EndWith("\n\n").And.NotContain("data:", "the position is not an event");
            position = opening["id: ".Length..^2];

            // A burst right after onopen, which this client does not read: the Disconnect policy cuts it before
            // it has had a single event.
            var payload = new string('x', 4096);
            for (var i = 0; i < Count; i++)
            {
                await app.Hub().PublishAsync("burst", SseEvent.FromData($"e{i} {payload}"));
            }

            await Poll.UntilAsync(() => app.Hub().GetSubscriberCount("burst") == 0, "the slow subscriber was cut");
        }

        await using var again = await app.SubscribeAsync("/channels/open/burst", lastEventId: position);
        var events = await again.NextAsync(Count);
        events.Select(e => e.Data.Split(' ')[0]).Should().Equal(Enumerable.Range(0, Count).Select(i => $"e{i}"), "no event since onopen is lost");
        events.Should().NotContain(e => e.EventType == "tako.gap");
        await app.PublishAsync("burst", 1, "after");
        (await again.NextAsync()).Data.Should().Be("after0", "nothing twice: the next event is the live one");
    }

    [Fact]
    public async Task Subscribe_ChannelWithNoEventYet_OpensWithAPositionThatResumesFromTheFirstEvent()
    {
        await using var app = await ChannelsApp.StartAsync();
        await app.PublishAsync("elsewhere", 2);

        string position;
        using (var response = await app.Client.OpenAsync("/channels/open/empty"))
        await using (var raw = await RawEventStream.OpenAsync(response))
        {
            var opening = await raw.ReadThroughAsync("\n\n");
            opening.Should().MatchRegex("^id: [0-9a-f]{16}-[0-9]+\n\n$", "a channel with no event yet has a position too");
            position = opening["id: ".Length..^2];
        }

        await app.PublishAsync("empty", 2, "first");
        await using var resumed = await app.SubscribeAsync("/channels/open/empty", lastEventId: position);
        (await resumed.NextAsync(2)).Select(e => e.Data).Should().Equal("first0", "first1");
    }

    [Fact]
    public async Task Subscribe_WithAnIdItResumesFrom_OpensWithTheMissedEventsNotAPosition()
    {
        await using var app = await ChannelsApp.StartAsync();
        var first = await app.Hub().PublishAsync("r", SseEvent.FromData("a"));
        var second = await app.Hub().PublishAsync("r", SseEvent.FromData("b"));

        using var response = await app.Client.OpenAsync("/channels/open/r", r => r.Headers.TryAddWithoutValidation("Last-Event-ID", first));
        await using var raw = await RawEventStream.OpenAsync(response);

        (await raw.ReadThroughAsync("\n\n")).Should().Be($"id: {second}\ndata: b\n\n");
    }

    [Fact]
    public async Task Subscribe_QuietChannelRemovedWhileItsClientWasAway_ResumesWithNoGapThoughOtherChannelsLostEvents()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var app = await ChannelsApp.StartAsync(c => c.HistoryMaxAge = TimeSpan.FromSeconds(10), time);
        var hub = (InMemorySseHub)app.Hub();
        await app.PublishAsync("busy", 3);

        string position;
        using (var response = await app.Client.OpenAsync("/channels/open/quiet"))
        await using (var raw = await RawEventStream.OpenAsync(response))
        {
            position = (await raw.ReadThroughAsync("\n\n"))["id: ".Length..^2];
        }

        // The quiet channel had no event and no subscriber left: it is removed. Meanwhile other channels publish
        // and lose their events to the age limit.
        await Poll.UntilAsync(() => hub.GetSubscriberCount("quiet") == 0, "the subscriber to leave");
        await app.PublishAsync("busy", 3, "later");
        time.Advance(TimeSpan.FromSeconds(20));
        hub.Sweep();

        await using var resumed = await app.SubscribeAsync("/channels/open/quiet", lastEventId: position);
        await app.PublishAsync("quiet", 1, "first");
        (await resumed.NextAsync()).Data.Should().Be("first0", "nothing of the quiet channel was lost, so no gap");
    }
}
