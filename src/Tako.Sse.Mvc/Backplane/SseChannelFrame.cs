using System.Text;

namespace Tako.Sse.Mvc;

/// <summary>
/// One published event, encoded once with its id into bytes that every subscriber's response copies. Immutable:
/// the same instance sits in the history and in any number of subscriber queues, so it is neither pooled nor
/// returned; the garbage collector frees it once the history and the last queue have let go of it.
/// </summary>
/// <remarks>
/// Besides events, a frame can be a gap event or a position (an <c>id:</c> line and a blank line, which
/// <c>EventSource</c> takes as its last id without firing an event); those belong to one subscriber and are
/// not events of the channel (<see cref="IsEvent"/>).
/// </remarks>
internal sealed class SseChannelFrame(string id, long sequence, byte[] bytes, long timestamp, string? channel = null, bool isEvent = true)
{
    // Both ends, plus one, in one field (0: not looked for yet), written by whichever reader gets there first:
    // every one computes the same value, and one 64-bit write cannot be seen half done.
    private long _idLine;

    /// <summary>Gets the id on the wire: the event's, or the position a gap or position frame leaves the client at.</summary>
    public string Id { get; } = id;

    /// <summary>Gets the hub-wide sequence number inside the id; 0 for frames that are not in any history.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>Gets the complete frame, blank line included.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>Gets when it was published, as a <see cref="TimeProvider"/> timestamp (for the history's age limit).</summary>
    public long Timestamp { get; } = timestamp;

    /// <summary>Gets the channel whose position <see cref="Id"/> is, or <see langword="null"/> for a frame of no one channel.</summary>
    public string? Channel { get; } = channel;

    /// <summary>Gets whether this is a published event (counted as delivered), not a gap or a position.</summary>
    public bool IsEvent { get; } = isEvent;

    /// <summary>
    /// Gets where the line <c>id: </c><see cref="Id"/> is in <see cref="Bytes"/>: its first byte and the byte
    /// after its line feed, or (-1, -1) when the frame has no such line. Found once, on first use.
    /// </summary>
    public (int Start, int End) IdLine
    {
        get
        {
            var found = Volatile.Read(ref _idLine);
            if (found == 0)
            {
                var (start, end) = FindIdLine();
                found = ((long)(start + 1) << 32) | (uint)(end + 1);
                Volatile.Write(ref _idLine, found);
            }

            return ((int)(found >> 32) - 1, (int)(uint)found - 1);
        }
    }

    /// <summary>
    /// Creates a position frame: <c>id: <paramref name="id"/></c> and a blank line. A stream opens with one, so a
    /// client cut before its first event reconnects from where it started, not live-only.
    /// </summary>
    /// <param name="id">A position the hub issued (ASCII, no line break).</param>
    /// <param name="channel">The channel it is a position of, or <see langword="null"/>.</param>
    public static SseChannelFrame Position(string id, string? channel)
    {
        var bytes = new byte[4 + id.Length + 2];
        "id: "u8.CopyTo(bytes);
        Encoding.ASCII.GetBytes(id, bytes.AsSpan(4));
        bytes[^2] = (byte)'\n';
        bytes[^1] = (byte)'\n';
        return new SseChannelFrame(id, 0, bytes, 0, channel, isEvent: false);
    }

    private (int Start, int End) FindIdLine()
    {
        Span<byte> line = stackalloc byte[4 + Id.Length + 1];
        "id: "u8.CopyTo(line);
        Encoding.ASCII.GetBytes(Id, line[4..]);
        line[^1] = (byte)'\n';
        var bytes = Bytes.AsSpan();
        for (var from = 0; from < bytes.Length;)
        {
            var found = bytes[from..].IndexOf(line);
            if (found < 0)
            {
                break;
            }

            var start = from + found;
            if (start == 0 || bytes[start - 1] == '\n')
            {
                return (start, start + line.Length);
            }

            from = start + 1;
        }

        return (-1, -1);
    }
}
