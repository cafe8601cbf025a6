using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tako.Sse.Mvc;

/// <summary>
/// Serializes each item with System.Text.Json into one reusable buffer, then writes it as data lines (an
/// indented document becomes several lines and is rebuilt exactly by the client).
/// </summary>
internal sealed class SseJsonItemWriter<T> : ISseItemWriter<T>
{
    private readonly JsonSerializerOptions _options;
    private readonly byte[]? _eventLine;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private Utf8JsonWriter? _json;

    public SseJsonItemWriter(JsonSerializerOptions options, string? eventName)
    {
        _options = options;
        _eventLine = eventName is null ? null : Encoding.UTF8.GetBytes("event: " + eventName + "\n");
    }

    public void Write(T item, ISseEncoder encoder, IBufferWriter<byte> output)
    {
        _buffer.ResetWrittenCount();
        if (_json is null)
        {
            // The same writer settings JsonSerializer derives from the options when it owns the writer.
            _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions
            {
                Encoder = _options.Encoder,
                Indented = _options.WriteIndented,
                IndentCharacter = _options.IndentCharacter,
                IndentSize = _options.IndentSize,
                NewLine = _options.NewLine,
                MaxDepth = _options.MaxDepth,
                SkipValidation = true,
            });
        }
        else
        {
            _json.Reset(_buffer);
        }

        JsonSerializer.Serialize(_json, item, _options);
        if (_eventLine is not null)
        {
            output.Write(_eventLine);
        }

        encoder.EncodeData(_buffer.WrittenSpan, output);
    }
}
