using System.Buffers;

namespace Tako.Sse.Mvc;

/// <summary>
/// Writes a frame of a stream of several channels: the bytes encoded once at publication, with the
/// subscription's cursor (<see cref="SseCursor"/>) as the <c>id:</c>. Only the cursor is written per subscriber;
/// the frame is copied around its id line, never re-encoded.
/// </summary>
internal readonly struct SseCursorFrameWriter(SseCursor cursor) : ISseItemWriter<SseChannelFrame>
{
    public void Write(SseChannelFrame item, ISseEncoder encoder, IBufferWriter<byte> output)
    {
        var bytes = item.Bytes.AsSpan();
        var (start, end) = item.IdLine;
        if (start < 0)
        {
            // An encoder that wrote the id some other way: the cursor goes last, and the last id line wins.
            start = end = bytes.Length - 1;
        }

        // One copy into one span: the frame around its id line, and the cursor in its place.
        var id = cursor.Bytes;
        var length = start + 4 + id.Length + 1 + (bytes.Length - end);
        var span = output.GetSpan(length);
        bytes[..start].CopyTo(span);
        "id: "u8.CopyTo(span[start..]);
        id.CopyTo(span[(start + 4)..]);
        span[start + 4 + id.Length] = (byte)'\n';
        bytes[end..].CopyTo(span[(start + 4 + id.Length + 1)..]);
        output.Advance(length);
    }
}
