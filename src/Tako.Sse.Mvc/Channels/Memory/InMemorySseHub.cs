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
/// number, encodes the event with its id once, appends the frame to the history and queues the same frame
/// for every subscriber. So the history order is the delivery order, and ids grow in it. A subscription takes
/// the same lock to snapshot the missed frames and register, so nothing published meanwhile is lost or
/// doubled.
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
    private readonly TimeProvider _timeProvider;
    private readonly Action<SseSubscriber, object> _leave;
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
        _leave = (subscriber, channel) => Leave(subscriber, (SseMemoryChannel)channel);
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
                channel.MarkRemovedIfEmpty();
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
                    var frame = Frames.Encode(id, sequence, sseEvent, now);
                    found.History.Append(frame, Options.HistorySize);
                    found.Subscribers.Deliver(frame);
                    found.MarkRemovedIfEmpty();
                }
            }

            // Removed while we waited for its lock: make sure it has left the table, then take the new one.
            Forget(found);
            if (id is not null)
            {
                Metrics.Published();
                return ValueTask.FromResult(id);
            }
        }
    }

    protected override SseSubscriber SubscribeCore(string channel, string? lastEventId, Action abort)
    {
        var kind = _ids.Classify(lastEventId, out var sequence);
        while (true)
        {
            var found = GetOrAdd(channel);
            SseSubscriber? subscriber = null;
            string? gapReason = null;
            var missedCount = 0;
            lock (found.Gate)
            {
                if (!found.Removed)
                {
                    subscriber = SubscribeLocked(found, kind, sequence, lastEventId, abort, out gapReason, out missedCount);
                }
            }

            if (subscriber is null)
            {
                Forget(found);
                continue;
            }

            if (gapReason is not null)
            {
                Subscribers.GapSent(channel, gapReason);
            }
            else if (kind == SseEventIdKind.Issued)
            {
                Subscribers.Resumed(channel, missedCount);
            }

            return subscriber;
        }
    }

    protected override int CountSubscribers(string channel) =>
        _channels.TryGetValue(channel, out var found) ? found.Subscribers.Count : 0;

    // Under the channel's lock: the snapshot of what the client missed (or the reason it cannot have it) and
    // the registration are one step, so no publication falls between them.
    private SseSubscriber SubscribeLocked(SseMemoryChannel channel, SseEventIdKind kind, long sequence, string? lastEventId, Action abort, out string? gapReason, out int missedCount)
    {
        TrimAged(channel, _timeProvider.GetTimestamp());
        SseChannelFrame[]? missed = null;
        gapReason = null;
        if (kind == SseEventIdKind.Issued)
        {
            missed = channel.History.After(sequence);
            gapReason = missed is null ? SseGapFrames.Expired : null;
        }
        else if (kind == SseEventIdKind.Unknown)
        {
            gapReason = SseGapFrames.Unknown;
        }

        // The gap's id is the newest one, so the client's next reconnect asks from there, not the old id.
        var opening = gapReason is null ? null : Subscribers.Gaps.Create(lastEventId, gapReason, channel.History.Newest?.Id ?? string.Empty);
        missedCount = missed?.Length ?? 0;
        var subscriber = new SseSubscriber(Subscribers, channel.Name, abort, _leave, channel, opening, missed);
        channel.Subscribers.Add(subscriber);
        return subscriber;
    }

    // The subscriber's response has ended: it leaves its channel and, when that empties the channel, the channel
    // leaves the table.
    private void Leave(SseSubscriber subscriber, SseMemoryChannel channel)
    {
        lock (channel.Gate)
        {
            channel.Subscribers.Remove(subscriber);
            channel.MarkRemovedIfEmpty();
        }

        Forget(channel);
    }

    // The caller re-checks Removed under the channel's lock.
    private SseMemoryChannel GetOrAdd(string channel) => _channels.GetOrAdd(channel, static name => new SseMemoryChannel(name));

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
