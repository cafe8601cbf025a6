using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Resume on any instance. The subscriber is registered and held at once (<see cref="SseSubscriber.Hold"/>), so
/// it queues every entry after the channel's cursor as it stood then, <c>c0</c>. This reads the entries from
/// its <c>Last-Event-ID</c> up to <c>c0</c> with one <c>XRANGE</c> and releases it with them first: the range
/// and the queue meet exactly at <c>c0</c>, with no gap and no duplicate, however publishing goes on meanwhile.
/// </summary>
/// <remarks>
/// <para>
/// A client whose id is ahead of this instance (it came from an instance that had delivered more) waits for a
/// catch-up that brings the cursor past its id; the queued entries it had already are then discarded.
/// </para>
/// <para>
/// An id that is malformed, that Redis no longer holds, or that is ahead of the stream, gets the gap event as
/// the in-memory hub sends it, with <c>c0</c> as its <c>id:</c>. An id whose entry was trimmed but whose
/// successor is still there (the successor names it as its predecessor) resumes without a gap: nothing is lost.
/// While Redis is unreachable the subscriber stays held (its response is open, with keep-alives) and the read
/// is retried until Redis answers or the client leaves.
/// </para>
/// </remarks>
internal sealed class RedisResume(
    RedisConnection connection,
    RedisKeys keys,
    RedisFrames frames,
    RedisCatchUp catchUp,
    RedisRetry retry,
    SseSubscriberContext subscribers,
    ILogger redisLogger)
{
    /// <summary>
    /// Releases a held <paramref name="subscriber"/> with what it missed since <paramref name="lastEventId"/>, or a
    /// gap; <paramref name="cursor"/> is the channel's cursor when it was registered (<see langword="null"/> before
    /// the subscription is in place). Never faults.
    /// </summary>
    public async Task JoinAsync(RedisChannelState state, SseSubscriber subscriber, string lastEventId, RedisStreamId? cursor)
    {
        var join = await ResumeAsync(state, subscriber, lastEventId, cursor, several: false).ConfigureAwait(false);
        subscriber.Release(join.Gap, join.Missed, join.AlreadySent);
    }

    /// <summary>
    /// Reads what a held <paramref name="subscriber"/> missed of one channel since <paramref name="lastEventId"/>,
    /// or makes its gap (naming the channel when <paramref name="several"/>), for the caller to release it with.
    /// Never faults.
    /// </summary>
    public async Task<RedisJoin> ResumeAsync(RedisChannelState state, SseSubscriber subscriber, string lastEventId, RedisStreamId? cursor, bool several)
    {
        var channel = several ? state.Name : null;
        try
        {
            if (cursor is null)
            {
                await state.Ready.ConfigureAwait(false);
                cursor = state.InitialCursor;
            }

            var c0 = cursor.Value;
            var newestId = c0.ToString();
            if (!RedisStreamId.TryParse(lastEventId, out var last))
            {
                return Gap(state, channel, lastEventId, SseGapFrames.Unknown, newestId);
            }

            if (subscribers.Options.HistorySize == 0)
            {
                return Gap(state, channel, lastEventId, SseGapFrames.Expired, newestId);
            }

            if (last == c0)
            {
                // Up to date with this instance: everything it needs is what the subscriber queues.
                subscribers.Metrics.Resumed();
                return default;
            }

            if (last > c0)
            {
                return await JoinAheadAsync(state, subscriber, channel, lastEventId, last, newestId).ConfigureAwait(false);
            }

            var entries = await ReadAsync(state, subscriber, last, c0).ConfigureAwait(false);
            if (entries is null)
            {
                return default;
            }

            var missed = new List<SseChannelFrame>(entries.Length);
            var follows = false;
            foreach (var entry in entries)
            {
                if (!RedisProtocol.TryReadEntry(entry, out var id, out var previous, out var payload))
                {
                    continue;
                }

                if (!follows)
                {
                    follows = id == last || previous == last;
                    if (!follows)
                    {
                        break;
                    }

                    if (id == last)
                    {
                        continue;
                    }
                }

                if (frames.Create(state.Name, id, payload) is { } frame)
                {
                    missed.Add(frame);
                }
            }

            if (!follows)
            {
                return Gap(state, channel, lastEventId, SseGapFrames.Expired, newestId);
            }

            subscribers.Resumed(state.Name, missed.Count);
            return new RedisJoin(null, [.. missed], null);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // The state was released (no subscriber left) or the application is stopping.
            return default;
        }
        catch (Exception exception)
        {
            // Never leave a subscriber held for good: it gets the gap, then live events.
            RedisLog.ResumeFailed(redisLogger, state.Name, exception);
            return Gap(state, channel, lastEventId, SseGapFrames.Unknown, string.Empty);
        }
    }

    // The client has seen more than this instance has delivered: catch the channel up to its id, then drop
    // what the subscriber queued of the channel up to that id.
    private async Task<RedisJoin> JoinAheadAsync(RedisChannelState state, SseSubscriber subscriber, string? channel, string lastEventId, RedisStreamId last, string newestId)
    {
        while (!subscriber.HasEnded)
        {
            await catchUp.RunAsync(state).ConfigureAwait(false);
            lock (state.Gate)
            {
                if (state.Cursor is { } cursor && cursor >= last)
                {
                    subscribers.Metrics.Resumed();
                    var name = state.Name;
                    return new RedisJoin(null, null, frame => frame.Channel == name && RedisStreamId.TryParse(frame.Id, out var id) && id <= last);
                }

                if (!state.NeedsCatchUp)
                {
                    // Redis answered and has nothing up to that id: it is not one of this channel's.
                    break;
                }
            }

            await retry.WaitAsync().ConfigureAwait(false);
        }

        return Gap(state, channel, lastEventId, SseGapFrames.Unknown, newestId);
    }

    private async Task<StreamEntry[]?> ReadAsync(RedisChannelState state, SseSubscriber subscriber, RedisStreamId from, RedisStreamId to)
    {
        // Stop retrying for a client that has gone.
        while (!subscriber.HasEnded)
        {
            try
            {
                var multiplexer = await connection.GetAsync().ConfigureAwait(false);
                return await multiplexer.GetDatabase().StreamRangeAsync(keys.Stream(state.Name), from.ToString(), to.ToString()).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not (OperationCanceledException or ObjectDisposedException))
            {
                RedisLog.ResumeRetry(redisLogger, state.Name, exception);
                await retry.WaitAsync().ConfigureAwait(false);
            }
        }

        return null;
    }

    private RedisJoin Gap(RedisChannelState state, string? channel, string lastEventId, string reason, string newestId)
    {
        subscribers.GapSent(state.Name, reason);
        return new RedisJoin(subscribers.Gaps.Create(lastEventId, reason, newestId, channel: channel), null, null);
    }
}

/// <summary>What a resumed subscriber gets of one channel: a gap, or the entries it missed, and which queued frames it had already.</summary>
internal readonly record struct RedisJoin(SseChannelFrame? Gap, SseChannelFrame[]? Missed, Func<SseChannelFrame, bool>? AlreadySent);
