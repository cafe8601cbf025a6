using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <see cref="ISseHub"/> that <c>AddTakoSse</c> registers: channels, histories and ids in this process. Its
/// own parts are in this folder: the channel (<see cref="SseMemoryChannel"/>), its history
/// (<see cref="SseChannelHistory"/>) and the ids with their epoch (<see cref="SseEventIds"/>).
/// </summary>
/// <remarks>
/// <para>
/// A publication takes the channel's lock once: it trims aged history, takes the next hub-wide sequence
/// number, encodes the event with its id once, appends the frame to the history and delivers the same frame
/// to the channel's subscribers (<see cref="SseSubscriberSet.Deliver"/>). So the history order is the delivery
/// order, and ids grow in it. A subscription takes the same lock to snapshot the missed frames and register, so
/// nothing published meanwhile is lost or doubled. The O(N) part, handing the frame to each subscriber's queue,
/// runs after the lock (<see cref="SseSubscriberSet.DrainAsync"/>), on the thread pool for a channel of
/// thousands, so neither publishers nor joining subscribers wait for a fan-out to thousands.
/// </para>
/// <para>
/// Memory: a channel's history is bounded by <see cref="SseChannelOptions.HistorySize"/> and, lazily on every
/// publish and subscribe, by <see cref="SseChannelOptions.HistoryMaxAge"/>. A channel left with no subscriber
/// and no history leaves the table; channels nobody publishes to or subscribes to any more are found by a
/// periodic sweep (<see cref="SweepPeriod"/>), which trims their aged history and removes those left empty.
/// </para>
/// </remarks>
internal sealed class InMemorySseHub : SseChannelHub, IDisposable
{
    private readonly ConcurrentDictionary<string, SseMemoryChannel> _channels = new(StringComparer.Ordinal);
    private readonly SseEventIds _ids;
    private readonly SseChannelFloors _floors = new(SseChannelFloors.DefaultCapacity);
    private readonly TimeProvider _timeProvider;
    private readonly Action<SseSubscriber, object, int> _leave;
    private readonly ITimer? _sweep;

    public InMemorySseHub(ISseEncoder encoder, IOptions<TakoSseOptions> options, TimeProvider timeProvider, SseChannelMetrics metrics, ILoggerFactory loggerFactory)
        : this(encoder, options.Value.Channels, timeProvider, metrics, loggerFactory.CreateLogger(typeof(ISseHub).FullName!), new SseEventIds())
    {
    }

    internal InMemorySseHub(ISseEncoder encoder, SseChannelOptions options, TimeProvider timeProvider, SseChannelMetrics metrics, ILogger logger, SseEventIds ids)
        : base(encoder, options, metrics, logger)
    {
        _ids = ids;
        _timeProvider = timeProvider;
        _leave = (subscriber, channels, slot) => Leave(subscriber, (SseMemoryChannel[])channels, slot);
        if (SweepPeriod is { } period)
        {
            // The hub is created on first use, often inside a request.
            _sweep = SseBackground.CreateTimer(timeProvider, static state => ((InMemorySseHub)state!).Sweep(), this, period, period);
        }
    }

    /// <summary>Gets the hub's ids (for tests: the epoch, the last sequence).</summary>
    internal SseEventIds Ids => _ids;

    /// <summary>Gets the number of channels on this instance (for tests and measurements).</summary>
    internal int ChannelCount => _channels.Count;

    /// <summary>Gets the subscribers of a channel in the table, or <see langword="null"/> (tests).</summary>
    internal SseSubscriberSet? SubscribersOf(string channel) => _channels.TryGetValue(channel, out var found) ? found.Subscribers : null;

    /// <summary>
    /// Gets how often idle channels are swept: a quarter of the age limit, between 1 second and 1 minute, so an
    /// idle channel outlives its last event by at most that much. No sweep without an age limit: then only
    /// <see cref="SseChannelOptions.HistorySize"/> bounds a channel, and a channel with history stays.
    /// </summary>
    internal TimeSpan? SweepPeriod => Options.HistoryMaxAge is { } age
        ? TimeSpan.FromTicks(Math.Clamp(age.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute))
        : null;

    public void Dispose() => _sweep?.Dispose();

    /// <summary>Trims aged history everywhere and removes channels left empty.</summary>
    internal void Sweep()
    {
        var now = _timeProvider.GetTimestamp();

        // Enumerating the dictionary itself takes no snapshot: 100,000 channels cost no 100,000-slot copy.
        foreach (var pair in _channels)
        {
            var channel = pair.Value;
            lock (channel.Gate)
            {
                TrimAged(channel, now);
                RemoveIfEmpty(channel);
            }

            Forget(channel);
        }
    }

    protected override ValueTask<string> PublishCoreAsync(string channel, SseEvent sseEvent)
    {
        while (true)
        {
            var found = GetOrAdd(channel);
            string? id = null;
            lock (found.Gate)
            {
                if (!found.Removed)
                {
                    var now = _timeProvider.GetTimestamp();
                    TrimAged(found, now);
                    var sequence = _ids.Next();
                    id = _ids.Format(sequence);
                    var frame = Frames.Encode(found.Name, id, sequence, sseEvent, now);
                    found.History.Append(frame, Options.HistorySize);
                    found.Subscribers.Deliver(frame);
                    RemoveIfEmpty(found);
                }
            }

            // Hands the frame to the subscribers outside the channel's lock (or leaves it to whoever does already);
            // waits only when the fan-out is far behind.
            var room = found.Subscribers.DrainAsync();

            // Removed while we waited for its lock: make sure it has left the table, then take the new one.
            Forget(found);
            if (id is not null)
            {
                Metrics.Published();
                return room.IsCompletedSuccessfully ? ValueTask.FromResult(id) : AfterAsync(room, id);
            }
        }

        static async ValueTask<string> AfterAsync(ValueTask room, string id)
        {
            await room.ConfigureAwait(false);
            return id;
        }
    }

    protected override SseSubscriber SubscribeCore(string channel, string? lastEventId, Action abort)
    {
        var kind = _ids.Classify(lastEventId, out var sequence);
        while (true)
        {
            var found = GetOrAdd(channel);
            SseSubscriber? subscriber = null;
            SseMemoryJoin join = default;
            lock (found.Gate)
            {
                // The snapshot of what the client missed (or the reason it cannot have it) and the registration
                // are one step under the channel's lock, so no publication falls between them.
                if (!found.Removed)
                {
                    join = JoinLocked(found, kind, sequence, lastEventId, several: false);
                    subscriber = new SseSubscriber(Subscribers, channel, abort, _leave, new[] { found }, join.Opening, join.Missed);
                    found.Subscribers.Add(subscriber);
                }
            }

            if (subscriber is null)
            {
                Forget(found);
                continue;
            }

            join.Report(Subscribers, channel, kind);
            return subscriber;
        }
    }

    protected override SseSubscriber SubscribeManyCore(string[] channels, string? cursor, Action abort)
    {
        var positions = SseCursor.Parse(cursor);
        var foreign = positions is null && !string.IsNullOrEmpty(cursor);
        var joined = new SseMemoryChannel[channels.Length];
        var subscriber = new SseSubscriber(Subscribers, string.Join(',', channels), abort, _leave, joined, slots: channels.Length)
        {
            Cursor = new SseCursor(channels),
        };

        // Held while it joins its channels one by one: each channel's live frames queue behind what it missed.
        subscriber.Hold();
        var opening = new List<SseChannelFrame>();
        var live = false;
        for (var slot = 0; slot < channels.Length; slot++)
        {
            string? position = null;
            long sequence = 0;
            var kind = foreign ? SseEventIdKind.Unknown
                : positions?.TryGetValue(subscriber.Cursor.KeyOf(slot), out position) == true ? _ids.Classify(position, out sequence)
                : SseEventIdKind.None;
            var lastEventId = foreign ? SseChannelList.Echo(cursor!) : position;
            while (true)
            {
                var found = GetOrAdd(channels[slot]);
                SseMemoryJoin join = default;
                lock (found.Gate)
                {
                    if (!found.Removed)
                    {
                        join = JoinLocked(found, kind, sequence, lastEventId, several: true);
                        found.Subscribers.Add(subscriber, slot);
                        joined[slot] = found;
                    }
                }

                if (joined[slot] is null)
                {
                    Forget(found);
                    continue;
                }

                // A channel resumes from the client's position, and one that joins live from where it stands now;
                // one with a gap gets its position from the gap event.
                subscriber.Cursor.Set(slot, kind switch
                {
                    SseEventIdKind.Issued => position,
                    SseEventIdKind.None => join.Position,
                    _ => null,
                });
                live |= kind == SseEventIdKind.None;
                if (join.Opening is { } gap)
                {
                    opening.Add(gap);
                }

                opening.AddRange(join.Missed ?? []);
                join.Report(Subscribers, channels[slot], kind);
                break;
            }
        }

        // One position for the channels that joined live, so a client cut before their first event misses none.
        if (live)
        {
            opening.Add(SseChannelFrame.Position(string.Empty, null));
        }

        subscriber.Release(null, [.. opening]);
        return subscriber;
    }

    protected override int CountSubscribers(string channel) =>
        _channels.TryGetValue(channel, out var found) ? found.Subscribers.Count : 0;

    // Under the channel's lock: trims aged history first, so the join sees only what may still be resumed.
    private SseMemoryJoin JoinLocked(SseMemoryChannel channel, SseEventIdKind kind, long sequence, string? lastEventId, bool several)
    {
        TrimAged(channel, _timeProvider.GetTimestamp());
        return SseMemoryJoin.Of(channel, _ids, Options.HistorySize, Subscribers.Gaps, kind, sequence, lastEventId, several);
    }

    // The subscriber's response has ended, or a re-check revoked this channel: it leaves the channel and, when
    // that empties the channel, the channel leaves the table.
    private void Leave(SseSubscriber subscriber, SseMemoryChannel[] channels, int slot)
    {
        if (channels[slot] is not { } channel)
        {
            return;
        }

        lock (channel.Gate)
        {
            channel.Subscribers.Remove(subscriber, slot);
            RemoveIfEmpty(channel);
        }

        Forget(channel);
    }

    // The caller re-checks Removed under the channel's lock.
    private SseMemoryChannel GetOrAdd(string channel) => _channels.GetOrAdd(channel, static (name, floors) => new SseMemoryChannel(name, floors.Take(name)), _floors);

    // Under the channel's lock: marks a channel with no subscriber and no history as removed and, the first time,
    // remembers where its history stood, for the channel of that name created next.
    private void RemoveIfEmpty(SseMemoryChannel channel)
    {
        var removed = channel.Removed;
        if (channel.MarkRemovedIfEmpty() && !removed)
        {
            _floors.Remember(channel.Name, channel.History.Floor);
        }
    }

    // After the channel's lock: takes a channel marked removed out of the table (only that instance).
    private void Forget(SseMemoryChannel channel)
    {
        if (channel.Removed && _channels.TryRemove(new KeyValuePair<string, SseMemoryChannel>(channel.Name, channel)))
        {
            Log.ChannelRemoved(Logger, channel.Name);
        }
    }

    private void TrimAged(SseMemoryChannel channel, long now)
    {
        if (Options.HistoryMaxAge is { } age && channel.History.Count > 0)
        {
            channel.History.RemoveOlderThan(now - (long)(age.TotalSeconds * _timeProvider.TimestampFrequency));
        }
    }

}
