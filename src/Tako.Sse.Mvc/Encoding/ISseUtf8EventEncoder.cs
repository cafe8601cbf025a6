using System.Buffers;

namespace Tako.Sse.Mvc;

/// <summary>
/// An encoder that takes an event's data as UTF-8 bytes, with its name and id: a serialized JSON payload then
/// skips the round trip through a string. <see cref="SseEncoder"/> implements it; with any other
/// <see cref="ISseEncoder"/>, <see cref="SseJsonItemWriter{T}"/> builds an <see cref="SseEvent"/> and calls
/// <see cref="ISseEncoder.Encode"/>, so a custom encoder sees every event.
/// </summary>
internal interface ISseUtf8EventEncoder
{
    /// <summary>Writes what <see cref="ISseEncoder.Encode"/> writes for an event with this name, id and data.</summary>
    void EncodeUtf8Event(string? eventName, string? id, ReadOnlySpan<byte> utf8Data, IBufferWriter<byte> output);
}
