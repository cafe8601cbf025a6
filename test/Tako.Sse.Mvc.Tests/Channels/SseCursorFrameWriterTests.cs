using System.Buffers;
using System.Text;

namespace Tako.Sse.Mvc.Tests.Channels;

/// <summary>A frame of a stream of several channels goes out with the subscription's cursor as its <c>id:</c>.</summary>
public sealed class SseCursorFrameWriterTests
{
    [Fact]
    public void CursorFrameWriter_WritesTheFrameWithTheCursorAsItsIdLine()
    {
        var cursor = new SseCursor(["a"]);
        cursor.Set(0, "7-0");
        var frame = new SseChannelFrame("7-0", 0, "event: e\nid: 7-0\ndata: x\n\n"u8.ToArray(), 0, "a");
        var output = new ArrayBufferWriter<byte>();

        new SseCursorFrameWriter(cursor).Write(frame, null!, output);

        Encoding.ASCII.GetString(output.WrittenSpan).Should().Be($"event: e\nid: t1.{SseCursor.Key("a")}~7-0\ndata: x\n\n");
    }

    [Fact]
    public void CursorFrameWriter_FrameWithoutItsIdLine_CursorGoesLast()
    {
        var cursor = new SseCursor(["a"]);
        cursor.Set(0, "7-0");
        var frame = new SseChannelFrame("7-0", 0, "data: id: 7-0\n\n"u8.ToArray(), 0, "a");
        var output = new ArrayBufferWriter<byte>();

        new SseCursorFrameWriter(cursor).Write(frame, null!, output);

        Encoding.ASCII.GetString(output.WrittenSpan).Should().Be($"data: id: 7-0\nid: t1.{SseCursor.Key("a")}~7-0\n\n", "an id inside data is not the id line");
    }
}
