using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// Turns stream entries into the frames subscribers get: each entry decoded (<see cref="RedisProtocol"/>) and
/// encoded once with its id; and the gap frame for entries Redis no longer holds.
/// </summary>
internal sealed class RedisFrames(SseFrameEncoder encoder, SseSubscriberContext subscribers, ILogger redisLogger)
{
    /// <summary>Encodes an entry with its id, once; <see langword="null"/> (and a log entry) for one this hub did not write.</summary>
    public SseChannelFrame? Create(string channel, RedisStreamId id, ReadOnlySpan<byte> payload)
    {
        if (!RedisProtocol.TryDeserialize(payload, out var sseEvent))
        {
            RedisLog.BadEntry(redisLogger, channel);
            return null;
        }

        return encoder.Encode(channel, id.ToString(), 0, sseEvent, 0);
    }

    /// <summary>
    /// The gap frame for the subscribers of a channel: Redis no longer holds what followed <paramref name="from"/>.
    /// It names the channel, as the subscribers of several channels need.
    /// </summary>
    public SseChannelFrame Gap(string channel, string from, RedisStreamId before)
    {
        subscribers.Metrics.GapSent(SseGapFrames.Expired);
        return subscribers.Gaps.Create(from, SseGapFrames.Expired, before.ToString(), channel: channel);
    }
}
