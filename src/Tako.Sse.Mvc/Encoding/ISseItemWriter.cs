using System.Buffers;

namespace Tako.Sse.Mvc;

/// <summary>Turns one item of a stream's source into frames. Implemented by structs, so calls are not virtual.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal interface ISseItemWriter<T>
{
    void Write(T item, ISseEncoder encoder, IBufferWriter<byte> output);
}

/// <summary>Structured events: the encoder writes every field.</summary>
internal readonly struct SseEventItemWriter : ISseItemWriter<SseEvent>
{
    public void Write(SseEvent item, ISseEncoder encoder, IBufferWriter<byte> output) => encoder.Encode(item, output);
}

/// <summary>Raw chunks: each chunk is split into data lines so it cannot inject fields.</summary>
internal readonly struct SseRawItemWriter : ISseItemWriter<ReadOnlyMemory<byte>>
{
    public void Write(ReadOnlyMemory<byte> item, ISseEncoder encoder, IBufferWriter<byte> output) => encoder.EncodeData(item.Span, output);
}
