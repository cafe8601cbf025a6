using System.Buffers;
using System.Text.Json;

namespace Tako.Sse.Mvc;

/// <summary>
/// Builds the gap event (<see cref="SseChannelOptions.GapEventName"/>): <c>event:</c> the gap name, <c>id:</c>
/// where the client stands after it, and JSON data <c>{"lastEventId":…,"reason":…}</c>, with <c>"channel"</c>
/// on a stream of several channels. Gap frames are
/// rare and belong to one subscriber, so they are encoded on demand, not shared.
/// </summary>
internal sealed class SseGapFrames(ISseEncoder encoder, string gapEventName)
{
    /// <summary>The client's <c>Last-Event-ID</c> is an id of this hub that the history no longer holds.</summary>
    public const string Expired = "expired";

    /// <summary>The client's <c>Last-Event-ID</c> is malformed, foreign, or from before a restart.</summary>
    public const string Unknown = "unknown";

    /// <summary>Events queued for a slow subscriber were dropped (<see cref="SseSlowSubscriberPolicy.DropOldest"/>).</summary>
    public const string Dropped = "dropped";

    public string EventName => gapEventName;

    /// <summary>Creates a gap frame.</summary>
    /// <param name="lastEventId">What the client last had: its <c>Last-Event-ID</c> as sent, or the last id delivered before a drop.</param>
    /// <param name="reason">One of the reason constants.</param>
    /// <param name="id">The <c>id:</c> of the gap event: the channel's position, where the client stands after it.</param>
    /// <param name="dropped">How many events were dropped, for <see cref="Dropped"/>; otherwise 0.</param>
    /// <param name="channel">The channel, named in the JSON, on a stream of several channels; otherwise <see langword="null"/>.</param>
    public SseChannelFrame Create(string? lastEventId, string reason, string id, long dropped = 0, string? channel = null)
    {
        // Utf8JsonWriter escapes whatever the client sent: its Last-Event-ID cannot break out of the JSON, and the
        // JSON has no raw line breaks, so it cannot break out of the data: line either.
        var json = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (channel is not null)
            {
                writer.WriteString("channel", channel);
            }

            if (lastEventId is null)
            {
                writer.WriteNull("lastEventId");
            }
            else
            {
                writer.WriteString("lastEventId", lastEventId);
            }

            writer.WriteString("reason", reason);
            if (dropped > 0)
            {
                writer.WriteNumber("dropped", dropped);
            }

            writer.WriteEndObject();
        }

        var gap = SseEvent.FromData(System.Text.Encoding.UTF8.GetString(json.WrittenSpan)).WithEvent(gapEventName).WithId(id);
        var frame = new ArrayBufferWriter<byte>(256);
        encoder.Encode(gap, frame);
        return new SseChannelFrame(id, 0, frame.WrittenSpan.ToArray(), 0, channel, isEvent: false);
    }
}
