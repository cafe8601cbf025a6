using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tako.Sse.Mvc;

/// <summary>
/// Serializes each item with System.Text.Json into one reusable buffer, then writes it as the data of one event
/// (an indented document becomes several data lines, rebuilt exactly by the client), with the item's event name
/// and id. The default encoder takes the UTF-8 bytes as they are (<see cref="ISseUtf8EventEncoder"/>); a custom
/// <see cref="ISseEncoder"/> gets the whole event through <see cref="ISseEncoder.Encode"/>.
/// </summary>
internal sealed class SseJsonItemWriter<T>(JsonTypeInfo<T> typeInfo, SseJsonFields<T> fields) : ISseItemWriter<T>
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private Utf8JsonWriter? _json;

    public void Write(T item, ISseEncoder encoder, IBufferWriter<byte> output)
    {
        // The fields are read and checked before anything is written: an item with a bad id writes nothing.
        var eventName = fields.GetEventName(item);
        var id = fields.GetId(item);
        Serialize(item);

        if (encoder is ISseUtf8EventEncoder utf8)
        {
            if (fields.HasFields)
            {
                utf8.EncodeUtf8Event(eventName, id, _buffer.WrittenSpan, output);
            }
            else
            {
                encoder.EncodeData(_buffer.WrittenSpan, output);
            }

            return;
        }

        var sseEvent = SseEvent.FromData(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        if (eventName is not null)
        {
            sseEvent = sseEvent.WithEvent(eventName);
        }

        if (id is not null)
        {
            sseEvent = sseEvent.WithId(id);
        }

        encoder.Encode(sseEvent, output);
    }

    private void Serialize(T item)
    {
        _buffer.ResetWrittenCount();
        if (_json is null)
        {
            var options = typeInfo.Options;
            // The same writer settings JsonSerializer derives from the options when it owns the writer.
            _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions
            {
                Encoder = options.Encoder,
                Indented = options.WriteIndented,
                IndentCharacter = options.IndentCharacter,
                IndentSize = options.IndentSize,
                NewLine = options.NewLine,
                MaxDepth = options.MaxDepth,
                SkipValidation = true,
            });
        }
        else
        {
            _json.Reset(_buffer);
        }

        JsonSerializer.Serialize(_json, item, typeInfo);
    }
}
