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
        try
        {
            if (cursor is null)
            {
                await state.Ready.ConfigureAwait(false);
                cursor = state.InitialCursor;
            }

            var c0 = cursor.Value;
            var newestId = c0.IsZero ? string.Empty : c0.ToString();
            if (!RedisStreamId.TryParse(lastEventId, out var last))
            {
                Gap(subscriber, lastEventId, SseGapFrames.Unknown, newestId);
                return;
            }

            if (subscribers.Options.HistorySize == 0)
            {
                Gap(subscriber, lastEventId, SseGapFrames.Expired, newestId);
                return;
            }

            if (last == c0)
            {
                // Up to date with this instance: everything it needs is what the subscriber queues.
                subscriber.Release(null, null);
                subscribers.Metrics.Resumed();
                return;
            }

            if (last > c0)
            {
                await JoinAheadAsync(state, subscriber, lastEventId, last, newestId).ConfigureAwait(false);
                return;
            }

            var entries = await ReadAsync(state, subscriber, last, c0).ConfigureAwait(false);
            if (entries is null)
            {
                return;
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
                Gap(subscriber, lastEventId, SseGapFrames.Expired, newestId);
                return;
            }

            subscriber.Release(null, [.. missed]);
            subscribers.Resumed(state.Name, missed.Count);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // The state was released (no subscriber left) or the application is stopping.
        }
        catch (Exception exception)
        {
            // Never leave a subscriber held for good: it gets the gap, then live events.
            RedisLog.ResumeFailed(redisLogger, state.Name, exception);
            Gap(subscriber, lastEventId, SseGapFrames.Unknown, string.Empty);
        }
    }

    // The client has seen more than this instance has delivered: catch the channel up to its id, then drop
    // what the subscriber queued up to that id.
    private async Task JoinAheadAsync(RedisChannelState state, SseSubscriber subscriber, string lastEventId, RedisStreamId last, string newestId)
    {
        while (!subscriber.HasEnded)
        {
            await catchUp.RunAsync(state).ConfigureAwait(false);
            lock (state.Gate)
            {
                if (state.Cursor is { } cursor && cursor >= last)
                {
                    subscriber.Release(null, null, frame => RedisStreamId.TryParse(frame.Id, out var id) && id <= last);
                    subscribers.Metrics.Resumed();
                    return;
                }

                if (!state.NeedsCatchUp)
                {
                    // Redis answered and has nothing up to that id: it is not one of this channel's.
                    break;
                }
            }

            await retry.WaitAsync().ConfigureAwait(false);
        }

        Gap(subscriber, lastEventId, SseGapFrames.Unknown, newestId);
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

    private void Gap(SseSubscriber subscriber, string lastEventId, string reason, string newestId)
    {
        subscriber.Release(subscribers.Gaps.Create(lastEventId, reason, newestId), null);
        subscribers.GapSent(subscriber.Channel, reason);
    }
}
