namespace Tako.Sse.Mvc;

/// <summary>
/// One published event, encoded once with its id into bytes that every subscriber's response copies. Immutable:
/// the same instance sits in the history and in any number of subscriber queues, so it is neither pooled nor
/// returned; the garbage collector frees it once the history and the last queue have let go of it.
/// </summary>
internal sealed class SseChannelFrame(string id, long sequence, byte[] bytes, long timestamp)
{
    /// <summary>Gets the id on the wire ("" for a gap event that resets the client's last id).</summary>
    public string Id { get; } = id;

    /// <summary>Gets the hub-wide sequence number inside the id; 0 for frames that are not in any history.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>Gets the complete frame, blank line included.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>Gets when it was published, as a <see cref="TimeProvider"/> timestamp (for the history's age limit).</summary>
    public long Timestamp { get; } = timestamp;
}
