namespace Tako.Sse.Mvc;

/// <summary>
/// A line break inside a field value as the encoder writes it: <c>\n</c> and the prefix of the next line (up to
/// 8 bytes, written with one 8-byte store instead of a copy per line).
/// </summary>
internal readonly struct SseLineBreak(ulong bits, int length)
{
    /// <summary>Gets the bytes, little-endian, first byte lowest.</summary>
    public ulong Bits { get; } = bits;

    /// <summary>Gets how many of the 8 bytes are the line break.</summary>
    public int Length { get; } = length;
}
