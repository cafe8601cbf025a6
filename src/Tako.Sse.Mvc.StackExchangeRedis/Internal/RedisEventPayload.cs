using System.Buffers;
using System.Text.Json;

namespace Tako.Sse.Mvc;

/// <summary>
/// How an event is stored in its stream entry (field <c>p</c>) and carried in its announcement: a small JSON
/// object <c>{"data":…,"event":…,"comment":…,"retry":ms}</c> with the fields the event has, readable with
/// <c>XRANGE</c> in redis-cli. Each instance encodes the SSE frame from it once, with its own encoder and the
/// entry's id.
/// </summary>
internal static class RedisEventPayload
{
    public static byte[] Serialize(in SseEvent sseEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + ((sseEvent.Data?.Length ?? 0) * 2));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (sseEvent.Data is { } data)
            {
                writer.WriteString("data", data);
            }

            if (sseEvent.Event is { } name)
            {
                writer.WriteString("event", name);
            }

            if (sseEvent.Comment is { } comment)
            {
                writer.WriteString("comment", comment);
            }

            if (sseEvent.Retry is { } retry)
            {
                writer.WriteNumber("retry", (long)retry.TotalMilliseconds);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an event back; <see langword="false"/> for bytes this hub did not write.</summary>
    public static bool TryDeserialize(ReadOnlySpan<byte> utf8, out SseEvent sseEvent)
    {
        sseEvent = default;
        string? data = null, name = null, comment = null;
        long? retry = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "data": data = reader.GetString(); break;
                    case "event": name = reader.GetString(); break;
                    case "comment": comment = reader.GetString(); break;
                    case "retry": retry = reader.GetInt64(); break;
                    default: reader.Skip(); break;
                }
            }

            // The With* methods validate again: a hand-written entry with a line break in its event name is
            // rejected here, never written to a stream.
            sseEvent = data is not null ? SseEvent.FromData(data)
                : comment is not null ? SseEvent.FromComment(comment)
                : retry is { } onlyRetry ? SseEvent.FromRetry(TimeSpan.FromMilliseconds(onlyRetry))
                : default;
            if (data is not null && comment is not null)
            {
                sseEvent = sseEvent.WithComment(comment);
            }

            if (name is not null)
            {
                sseEvent = sseEvent.WithEvent(name);
            }

            if (retry is { } ms && (data is not null || comment is not null))
            {
                sseEvent = sseEvent.WithRetry(TimeSpan.FromMilliseconds(ms));
            }

            return true;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            return false;
        }
    }
}
