using System.Buffers;

namespace Tako.Sse.Mvc;

/// <summary>
/// Encode once: turns a published event, with its id, into the <see cref="SseChannelFrame"/> whose bytes every
/// subscriber's response copies, through the registered <see cref="ISseEncoder"/>. The encoder writes into a
/// per-thread buffer; only the exact-size result is allocated.
/// </summary>
internal sealed class SseFrameEncoder(ISseEncoder encoder)
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Encodes <paramref name="sseEvent"/> with <c>id: <paramref name="id"/></c>.</summary>
    /// <param name="channel">The channel it is published to.</param>
    /// <param name="id">The id the hub gave the event.</param>
    /// <param name="sequence">The hub's number for the event, or 0 for a hub that has none.</param>
    /// <param name="sseEvent">The published event, without an id.</param>
    /// <param name="timestamp">When it was published (a <see cref="TimeProvider"/> timestamp), or 0.</param>
    public SseChannelFrame Encode(string channel, string id, long sequence, in SseEvent sseEvent, long timestamp)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        try
        {
            encoder.Encode(sseEvent.WithId(id), buffer);
            return new SseChannelFrame(id, sequence, buffer.WrittenSpan.ToArray(), timestamp, channel);
        }
        finally
        {
            // One huge event must not pin a huge buffer to the thread for good.
            if (buffer.Capacity > 64 * 1024)
            {
                t_buffer = null;
            }
        }
    }
}
