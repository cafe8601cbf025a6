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
internal static class RedisResume
{
    public static async Task JoinAsync(RedisSseHub hub, RedisChannelState state, SseSubscriber subscriber, string lastEventId, RedisStreamId? cursor)
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
                Gap(hub, subscriber, lastEventId, SseGapFrames.Unknown, newestId);
                return;
            }

            if (hub.Options.HistorySize == 0)
            {
                Gap(hub, subscriber, lastEventId, SseGapFrames.Expired, newestId);
                return;
            }

            if (last == c0)
            {
                // Up to date with this instance: everything it needs is what the subscriber queues.
                subscriber.Release(null, null);
                hub.Metrics.Resumed();
                return;
            }

            if (last > c0)
            {
                await JoinAheadAsync(hub, state, subscriber, lastEventId, last, newestId).ConfigureAwait(false);
                return;
            }

            var entries = await ReadAsync(hub, state, subscriber, last, c0).ConfigureAwait(false);
            if (entries is null)
            {
                return;
            }

            var missed = new List<SseChannelFrame>(entries.Length);
            var follows = false;
            foreach (var entry in entries)
            {
                if (!RedisAppendScript.TryReadEntry(entry, out var id, out var previous, out var payload))
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

                if (hub.CreateFrame(state.Name, id, payload) is { } frame)
                {
                    missed.Add(frame);
                }
            }

            if (!follows)
            {
                Gap(hub, subscriber, lastEventId, SseGapFrames.Expired, newestId);
                return;
            }

            subscriber.Release(null, [.. missed]);
            hub.Metrics.Resumed();
            Log.Resumed(hub.Logger, state.Name, missed.Count);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // The state was released (no subscriber left) or the application is stopping.
        }
        catch (Exception exception)
        {
            // Never leave a subscriber held for good: it gets the gap, then live events.
            RedisLog.ResumeFailed(hub.RedisLogger, state.Name, exception);
            Gap(hub, subscriber, lastEventId, SseGapFrames.Unknown, string.Empty);
        }
    }

    // The client has seen more than this instance has delivered: catch the channel up to its id, then drop
    // what the subscriber queued up to that id.
    private static async Task JoinAheadAsync(RedisSseHub hub, RedisChannelState state, SseSubscriber subscriber, string lastEventId, RedisStreamId last, string newestId)
    {
        while (subscriber.Index >= 0)
        {
            await RedisCatchUp.RunAsync(hub, state).ConfigureAwait(false);
            lock (state.Gate)
            {
                if (state.Cursor is { } cursor && cursor >= last)
                {
                    subscriber.Release(null, null, frame => RedisStreamId.TryParse(frame.Id, out var id) && id <= last);
                    hub.Metrics.Resumed();
                    return;
                }

                if (!state.NeedsCatchUp)
                {
                    // Redis answered and has nothing up to that id: it is not one of this channel's.
                    break;
                }
            }

            await Task.Delay(hub.RetryDelay, hub.Time, hub.Subscriptions.Stopping).ConfigureAwait(false);
        }

        Gap(hub, subscriber, lastEventId, SseGapFrames.Unknown, newestId);
    }

    private static async Task<StreamEntry[]?> ReadAsync(RedisSseHub hub, RedisChannelState state, SseSubscriber subscriber, RedisStreamId from, RedisStreamId to)
    {
        // Index is -1 once the client has gone: stop retrying for it.
        while (subscriber.Index >= 0)
        {
            try
            {
                var multiplexer = await hub.Connection.GetAsync().ConfigureAwait(false);
                return await multiplexer.GetDatabase().StreamRangeAsync(hub.Keys.Stream(state.Name), from.ToString(), to.ToString()).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not (OperationCanceledException or ObjectDisposedException))
            {
                RedisLog.ResumeRetry(hub.RedisLogger, state.Name, exception);
                await Task.Delay(hub.RetryDelay, hub.Time, hub.Subscriptions.Stopping).ConfigureAwait(false);
            }
        }

        return null;
    }

    private static void Gap(RedisSseHub hub, SseSubscriber subscriber, string lastEventId, string reason, string newestId)
    {
        subscriber.Release(hub.Gaps.Create(lastEventId, reason, newestId), null);
        hub.Metrics.GapSent(reason);
        Log.ResumeGap(hub.Logger, subscriber.Channel.Name, reason);
    }
}
