using System.Buffers;
using System.Text.Json;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// The wire format of the Redis hub, in one place: what a stream entry holds and what an announcement carries.
/// </summary>
/// <remarks>
/// <para>
/// Each entry of a channel's stream holds <c>p</c>, the event, and <c>v</c>, the id of the entry before it
/// (<c>0-0</c> for the first one of a stream). The event is a small JSON object
/// <c>{"data":…,"event":…,"comment":…,"retry":ms}</c> with the fields it has, readable with <c>XRANGE</c> in
/// redis-cli; each instance encodes the SSE frame from it once, with its own encoder and the entry's id.
/// </para>
/// <para>
/// The announcement of a new entry on the channel's pub/sub channel is <c>id \n previous \n payload</c> (written
/// by <see cref="RedisAppendScript"/>). With the previous id an instance knows exactly whether it missed
/// anything: an announcement or a read range that does not follow on from the last entry it delivered means
/// events in between (lost while its pub/sub connection was down, or trimmed).
/// </para>
/// </remarks>
internal static class RedisProtocol
{
    public const string PayloadField = "p";
    public const string PreviousField = "v";

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

    /// <summary>Splits an announcement into the entry's id, the previous entry's id and the payload.</summary>
    public static bool TryParseAnnouncement(byte[]? message, out RedisStreamId id, out RedisStreamId previous, out ReadOnlyMemory<byte> payload)
    {
        id = previous = default;
        payload = default;
        if (message is null)
        {
            return false;
        }

        var first = Array.IndexOf(message, (byte)'\n');
        var second = first < 0 ? -1 : Array.IndexOf(message, (byte)'\n', first + 1);
        if (second < 0
            || !TryParseAscii(message.AsSpan(0, first), out id)
            || !TryParseAscii(message.AsSpan(first + 1, second - first - 1), out previous))
        {
            return false;
        }

        payload = message.AsMemory(second + 1);
        return true;
    }

    /// <summary>Reads an entry of a stream this hub wrote.</summary>
    public static bool TryReadEntry(StreamEntry entry, out RedisStreamId id, out RedisStreamId previous, out byte[] payload)
    {
        previous = default;
        payload = [];
        if (!RedisStreamId.TryParse((string?)entry.Id, out id))
        {
            return false;
        }

        var before = entry[PreviousField];
        var bytes = (byte[]?)entry[PayloadField];
        if (bytes is null || before.IsNull || !RedisStreamId.TryParse((string?)before, out previous))
        {
            return false;
        }

        payload = bytes;
        return true;
    }

    private static bool TryParseAscii(ReadOnlySpan<byte> ascii, out RedisStreamId id)
    {
        Span<char> chars = stackalloc char[Math.Min(ascii.Length, 48)];
        if (ascii.Length > chars.Length)
        {
            id = default;
            return false;
        }

        for (var i = 0; i < ascii.Length; i++)
        {
            chars[i] = (char)ascii[i];
        }

        return RedisStreamId.TryParse(chars, out id);
    }
}
