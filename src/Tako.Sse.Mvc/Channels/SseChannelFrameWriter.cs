using System.Buffers;

namespace Tako.Sse.Mvc;

/// <summary>Writes a channel frame: a copy of the bytes encoded once at publication, no encoding per subscriber.</summary>
internal readonly struct SseChannelFrameWriter : ISseItemWriter<SseChannelFrame>
{
    public void Write(SseChannelFrame item, ISseEncoder encoder, IBufferWriter<byte> output) => output.Write(item.Bytes);
}
