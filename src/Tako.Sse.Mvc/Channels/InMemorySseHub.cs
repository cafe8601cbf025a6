using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <see cref="ISseHub"/> that <c>AddTakoSse</c> registers: channels, histories and ids in this process.
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
/// publish and subscribe, by <see cref="SseChannelOptions.HistoryMaxAge"/>. Channels nobody publishes to or
/// subscribes to any more are found by a periodic sweep (<see cref="SweepPeriod"/>), which trims their aged
/// history and removes those left with no subscriber and no history.
/// </para>
/// </remarks>
internal sealed class InMemorySseHub : SseChannelHub, IDisposable
{
    private readonly SseEventIds _ids;
    private readonly ITimer? _sweep;

    public InMemorySseHub(ISseEncoder encoder, IOptions<TakoSseOptions> options, TimeProvider timeProvider, SseChannelMetrics metrics, ILoggerFactory loggerFactory)
        : this(encoder, options.Value.Channels, timeProvider, metrics, loggerFactory.CreateLogger(typeof(ISseHub).FullName!), new SseEventIds())
    {
    }

    internal InMemorySseHub(ISseEncoder encoder, SseChannelOptions options, TimeProvider timeProvider, SseChannelMetrics metrics, ILogger logger, SseEventIds ids)
        : base(encoder, options, timeProvider, metrics, logger)
    {
        _ids = ids;
        if (SweepPeriod is { } period)
        {
            // The hub is created on first use, often inside a request: the timer must not capture that
            // request's ExecutionContext (its AsyncLocals, its Activity) for the life of the app.
            var suppressed = ExecutionContext.IsFlowSuppressed();
            if (!suppressed)
            {
                ExecutionContext.SuppressFlow();
            }

            try
            {
                _sweep = timeProvider.CreateTimer(static state => ((InMemorySseHub)state!).Sweep(), this, period, period);
            }
            finally
            {
                if (!suppressed)
                {
                    ExecutionContext.RestoreFlow();
                }
            }
        }
    }

    /// <summary>Gets the hub's ids (for tests: the epoch, the last sequence).</summary>
    internal SseEventIds Ids => _ids;

    /// <summary>
    /// Gets how often idle channels are swept: a quarter of the age limit, between 1 second and 1 minute, so an
    /// idle channel outlives its last event by at most that much. No sweep without an age limit: then only
    /// <see cref="SseChannelOptions.HistorySize"/> bounds a channel, and a channel with history stays.
    /// </summary>
    internal TimeSpan? SweepPeriod => Options.HistoryMaxAge is { } age
        ? TimeSpan.FromTicks(Math.Clamp(age.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute))
        : null;

    public override ValueTask<string> PublishAsync(string channel, SseEvent sseEvent, CancellationToken cancellationToken = default)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        if (sseEvent.Id is not null)
        {
            throw new ArgumentException("A published event cannot carry an id: the hub gives every event its id, and resume depends on it.", nameof(sseEvent));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<string>(cancellationToken);
        }

        while (true)
        {
            var found = GetOrAddChannel(channel);
            List<SseSubscriber>? refused = null;
            string? id = null;
            lock (found.Gate)
            {
                if (!found.Removed)
                {

                    var now = TimeProvider.GetTimestamp();
                    TrimAged(found, now);
                    var sequence = _ids.Next();
                    id = _ids.Format(sequence);
                    var frame = new SseChannelFrame(id, sequence, EncodeOnce(sseEvent.WithId(id)), now);
                    found.History.Append(frame, Options.HistorySize);
                    found.Deliver(frame, ref refused);
                    MarkRemovedIfEmpty(found);
                }
            }

            if (id is null)
            {
                // Removed while we waited for its lock: make sure it has left the table, then take the new one.
                ForgetIfRemoved(found);
                continue;
            }

            Metrics.Published();
            DisconnectRefused(found, refused);
            ForgetIfRemoved(found);
            return ValueTask.FromResult(id);
        }
    }

    public override SseSubscriber Subscribe(string channel, string? lastEventId, Action abort)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        ArgumentNullException.ThrowIfNull(abort);
        var kind = _ids.Classify(lastEventId, out var sequence);
        while (true)
        {
            var found = GetOrAddChannel(channel);
            SseSubscriber? subscriber;
            string? gapReason = null;
            var missedCount = 0;
            lock (found.Gate)
            {
                if (found.Removed)
                {
                    subscriber = null;
                }
                else
                {
                    subscriber = SubscribeLocked(found, kind, sequence, lastEventId, abort, out gapReason, out missedCount);
                }
            }

            if (subscriber is null)
            {
                ForgetIfRemoved(found);
                continue;
            }

            if (gapReason is not null)
            {
                Metrics.GapSent(gapReason);
                Log.ResumeGap(Logger, channel, gapReason);
            }
            else if (kind == SseEventIdKind.Issued)
            {
                Metrics.Resumed();
                Log.Resumed(Logger, channel, missedCount);
            }

            return subscriber;
        }
    }

    public void Dispose() => _sweep?.Dispose();

    // Under the channel's lock: the snapshot of what the client missed (or the reason it cannot have it) and
    // the registration are one step, so no publication falls between them.
    private SseSubscriber SubscribeLocked(SseChannel channel, SseEventIdKind kind, long sequence, string? lastEventId, Action abort, out string? gapReason, out int missedCount)
    {
        TrimAged(channel, TimeProvider.GetTimestamp());
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
        var opening = gapReason is null ? null : Gaps.Create(lastEventId, gapReason, channel.History.Newest?.Id ?? string.Empty);
        missedCount = missed?.Length ?? 0;
        return AddSubscriber(channel, abort, opening, missed);
    }

    /// <summary>Trims aged history everywhere and removes channels left empty.</summary>
    internal void Sweep()
    {
        var now = TimeProvider.GetTimestamp();
        foreach (var channel in AllChannels)
        {
            lock (channel.Gate)
            {
                TrimAged(channel, now);
                MarkRemovedIfEmpty(channel);
            }

            ForgetIfRemoved(channel);
        }
    }

    private void TrimAged(SseChannel channel, long now)
    {
        if (Options.HistoryMaxAge is { } age && channel.History.Count > 0)
        {
            channel.History.RemoveOlderThan(now - (long)(age.TotalSeconds * TimeProvider.TimestampFrequency));
        }
    }
}
