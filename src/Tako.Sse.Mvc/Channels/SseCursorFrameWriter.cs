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
            output.Write(bytes[..^1]);
            start = end = bytes.Length - 1;
        }
        else
        {
            output.Write(bytes[..start]);
        }

        output.Write("id: "u8);
        cursor.Write(output);
        output.Write("\n"u8);
        output.Write(bytes[end..]);
    }
}
