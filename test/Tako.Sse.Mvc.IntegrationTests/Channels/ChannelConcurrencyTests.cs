using System.Globalization;
using System.Net.ServerSentEvents;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>
/// Publishers and subscribers at once: subscribers join live or resume, read a while, leave, come back. The
/// invariant: every session's events are a gap-free, in-order run of the channel's history, broken only where
/// a gap event says so.
/// </summary>
public class ChannelConcurrencyTests
{
    private const string Channel = "mixed";

    [Fact]
    public async Task PublishAndSubscribe_ConcurrentPublishersAndChurningSubscribers_EverySessionIsAnExactRunOfTheHistory()
    {
        await using var app = await ChannelsApp.StartAsync(c =>
        {
            c.HistorySize = 100_000;
            c.HistoryMaxAge = null;
            c.SubscriberQueueSize = 64;
        });
        var hub = app.Hub();
        var published = new List<string>();
        var sessions = new List<(string? From, List<SseItem<string>> Events)>();
        var publishing = true;
        var subscribersDone = 0;
        const int Subscribers = 8;

        var subscribers = Enumerable.Range(0, Subscribers).Select(n => Task.Run(async () =>
        {
            var random = new Random(n);
            string? last = null;
            string? target = null;
            while (true)
            {
                // While publishing goes on, sessions join live or resume at random; the last session resumes and
                // reads up to the last event the publishers sent.
                var from = target is null && random.Next(3) == 0 ? null : last;
                var events = await SessionAsync(app, from, target is null ? random.Next(1, 80) : int.MaxValue, target);
                lock (sessions)
                {
                    sessions.Add((from, events));
                }

                last = events.LastOrDefault(e => e.EventId is { Length: > 0 }).EventId ?? last;
                if (target is not null && Reached(last, target))
                {
                    Interlocked.Increment(ref subscribersDone);
                    return;
                }

                if (target is null && !Volatile.Read(ref publishing))
                {
                    lock (published)
                    {
                        target = published.MaxBy(Sequence);

                        // A subscriber whose every session so far was disconnected before it read an event has no
                        // id: its last sessions resume from the start rather than join live, where the target,
                        // already published, would never come and the fillers would be read without end.
                        last ??= published.MinBy(Sequence);
                    }
                }
            }
        })).ToList();

        var publishers = Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 700; i++)
            {
                var id = await hub.PublishAsync(Channel, SseEvent.FromData($"p{p}-{i}"));
                lock (published)
                {
                    published.Add(id);
                }
            }
        })).ToList();
        await Task.WhenAll(publishers);
        Volatile.Write(ref publishing, false);

        // Keeps live-only sessions that joined near the end from waiting for events that would never come.
        while (Volatile.Read(ref subscribersDone) < Subscribers && !subscribers.Any(t => t.IsFaulted))
        {
            var id = await hub.PublishAsync(Channel, SseEvent.FromData("filler"));
            lock (published)
            {
                published.Add(id);
            }

            await Task.Yield();
        }

        await Task.WhenAll(subscribers);
        var order = published.OrderBy(Sequence).ToList();
        var position = order.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        sessions.Should().HaveCountGreaterThan(Subscribers);
        foreach (var (from, events) in sessions)
        {
            var expected = from is null ? -1 : position[from] + 1;
            foreach (var item in events)
            {
                if (item.EventType == "tako.gap")
                {
                    expected = position[item.EventId!] + 1;
                    continue;
                }

                var at = position[item.EventId!];
                if (expected >= 0)
                {
                    at.Should().Be(expected, "a session's events follow the history without a gap or a duplicate (resumed from {0})", from);
                }

                expected = at + 1;
            }
        }
    }

    // Through the target: a gap event's id (the channel's newest) can pass it without naming it.
    private static bool Reached(string? id, string target) => id is { Length: > 0 } && Sequence(id) >= Sequence(target);

    private static long Sequence(string id) => long.Parse(id.AsSpan(id.IndexOf('-', StringComparison.Ordinal) + 1), CultureInfo.InvariantCulture);

    // One connection: reads `count` events, or through `target`; ends early when the server disconnects it (a
    // slow subscriber), and the caller resumes with another. That can happen before the response headers are
    // read: with publishers flooding a 64-event queue, a subscriber whose loop has not started yet overflows.
    private static async Task<List<SseItem<string>>> SessionAsync(Infrastructure.TestApp app, string? from, int count, string? target)
    {
        var events = new List<SseItem<string>>();
        try
        {
            await using var subscriber = await app.SubscribeAsync("/channels/open/" + Channel, from);
            while (target is null ? events.Count < count : !Reached(from, target) && !Reached(events.LastOrDefault().EventId, target))
            {
                events.Add(await subscriber.NextAsync());
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or HttpRequestException)
        {
            // Disconnected as a slow subscriber: the session ends; the next one resumes.
        }

        return events;
    }
}
