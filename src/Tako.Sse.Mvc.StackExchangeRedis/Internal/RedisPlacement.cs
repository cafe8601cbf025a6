using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// Where a subscriber that joins live starts: a live-only client takes <c>onopen</c> as "from now on" and gets
/// its position first, the channel's cursor when it was registered or, until the instance knows the channel's
/// newest id (an event published now would not be delivered here), the response waits for that id, at most
/// <see cref="OpeningWait"/>. And the one release of a subscriber of several channels, once every channel has
/// its missed entries, its gap or its position.
/// </summary>
/// <remarks>A leaf: it gets the clock and the logger, never the hub.</remarks>
internal sealed class RedisPlacement(TimeProvider timeProvider, ILogger redisLogger)
{
    private int _waiting;

    /// <summary>Gets or sets how long a response waits, before it opens, for the instance to place its channel.</summary>
    public TimeSpan OpeningWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the number of responses waiting to open, for tests.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Releases a held subscriber of one channel that joins live, with its position first. Never faults.</summary>
    public async Task OpenLiveAsync(RedisChannelState state, RedisStreamId? cursor, SseSubscriber subscriber)
    {
        var position = cursor ?? await WhenPlacedAsync(state).ConfigureAwait(false);
        subscriber.Release(position is { } at ? SseChannelFrame.Position(at.ToString(), null) : null, null);
    }

    /// <summary>One channel of several that joins live: its position in the cursor, as for one channel. Never faults.</summary>
    public async Task PlaceAsync(RedisChannelState state, RedisStreamId? cursor, SseCursor positions, int slot)
    {
        var position = cursor ?? await WhenPlacedAsync(state).ConfigureAwait(false);
        positions.Set(slot, position?.ToString());
    }

    /// <summary>
    /// Releases a held subscriber of several channels once every channel's join is done (none faults): the gaps
    /// and missed entries first, then one position for the channels that joined live.
    /// </summary>
    public static async Task ReleaseManyAsync(SseSubscriber subscriber, Task<RedisJoin>[] joins, bool live)
    {
        var results = await Task.WhenAll(joins).ConfigureAwait(false);
        var opening = new List<SseChannelFrame>();
        List<Func<SseChannelFrame, bool>>? alreadySent = null;
        foreach (var join in results)
        {
            if (join.Gap is { } gap)
            {
                opening.Add(gap);
            }

            opening.AddRange(join.Missed ?? []);
            if (join.AlreadySent is { } sent)
            {
                (alreadySent ??= []).Add(sent);
            }
        }

        if (live)
        {
            opening.Add(SseChannelFrame.Position(string.Empty, null));
        }

        subscriber.Release(null, [.. opening], alreadySent is null ? null : frame => alreadySent.Exists(sent => sent(frame)));
    }

    // The channel's newest id once placed; null after OpeningWait with a warning (Redis does not answer; the
    // stream opens all the same, as a client must not wait on an outage), or when the state is released (its
    // last subscriber left).
    private async Task<RedisStreamId?> WhenPlacedAsync(RedisChannelState state)
    {
        if (state.Placed.IsCompletedSuccessfully)
        {
            return state.PlacedAt;
        }

        Interlocked.Increment(ref _waiting);
        try
        {
            await state.Placed.WaitAsync(OpeningWait, timeProvider).ConfigureAwait(false);
            return state.PlacedAt;
        }
        catch (TimeoutException)
        {
            RedisLog.OpenedUnplaced(redisLogger, state.Name, OpeningWait);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return null;
    }
}
