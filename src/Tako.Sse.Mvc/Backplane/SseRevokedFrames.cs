using System.Buffers;
using System.Text.Json;

namespace Tako.Sse.Mvc;

/// <summary>
/// Builds the revoked event (<see cref="SseChannelOptions.RevokedEventName"/>): <c>event:</c> the revoked name and
/// JSON data <c>{"channel":…}</c>, sent when a re-check takes a channel away from an open stream. Rare and one
/// subscriber's, so encoded on demand, not shared.
/// </summary>
/// <remarks>
/// The frame has no <c>id:</c> of its own. On a stream of several channels the cursor is written as its id
/// (<see cref="SseCursorFrameWriter"/>), and the frame's empty <see cref="SseChannelFrame.Id"/>, taken as the
/// channel's position, takes the channel out of that cursor: a reconnect that lists it again joins it live (if
/// allowed by then), never resuming into what was published while it was not. On a stream of one channel the
/// client keeps its last id.
/// </remarks>
internal sealed class SseRevokedFrames(ISseEncoder encoder, string revokedEventName)
{
    public string EventName => revokedEventName;

    /// <summary>Creates the revoked frame of <paramref name="channel"/>.</summary>
    public SseChannelFrame Create(string channel)
    {
        // Utf8JsonWriter escapes the name: it cannot add a field, nor break out of the data: line.
        var json = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("channel", channel);
            writer.WriteEndObject();
        }

        var revoked = SseEvent.FromData(System.Text.Encoding.UTF8.GetString(json.WrittenSpan)).WithEvent(revokedEventName);
        var frame = new ArrayBufferWriter<byte>(128);
        encoder.Encode(revoked, frame);
        return new SseChannelFrame(string.Empty, 0, frame.WrittenSpan.ToArray(), 0, channel, isEvent: false);
    }
}
