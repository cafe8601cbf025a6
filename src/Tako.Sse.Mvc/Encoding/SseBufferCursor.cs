using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Tako.Sse.Mvc;

/// <summary>
/// Writes into an <see cref="IBufferWriter{T}"/> through one cached span, so a small event costs one
/// <c>GetSpan</c> and one <c>Advance</c> instead of one pair per field.
/// </summary>
internal ref struct SseBufferCursor
{
    // Large enough that a typical event fits in the first span; a pipe hands out its whole free segment anyway.
    private const int MinimumRequest = 256;

    // UTF-16 to UTF-8 grows a char to at most 3 bytes; a surrogate pair (2 chars) becomes 4.
    private const int MaxBytesPerChar = 3;

    // The largest scalar in UTF-8; a request never asks for less, so transcoding always progresses.
    private const int MaxBytesPerScalar = 4;

    // Cap a single request for a long payload, so it is transcoded in chunks instead of one huge buffer.
    private const int MaximumRequest = 16 * 1024;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    public SseBufferCursor(IBufferWriter<byte> output)
    {
        _output = output;
        _span = default;
        _buffered = 0;
    }

    // The fast paths are inlined so the constant-length prefixes become a few plain stores.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_buffered >= _span.Length)
        {
            Grow(1);
        }

        _span[_buffered++] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _span.Length - _buffered)
        {
            bytes.CopyTo(_span[_buffered..]);
            _buffered += bytes.Length;
        }
        else
        {
            WriteSlow(bytes);
        }
    }

    /// <summary>Writes the first <paramref name="length"/> bytes of <paramref name="bits"/>, as laid out in memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUpTo8(ulong bits, int length)
    {
        if (_span.Length - _buffered >= sizeof(ulong))
        {
            // Writing past the bytes that count is harmless: the span is ours until Advance.
            MemoryMarshal.Write(_span[_buffered..], in bits);
            _buffered += length;
        }
        else
        {
            WriteSlow(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in bits))[..length]);
        }
    }

    public void WriteUtf8(scoped ReadOnlySpan<char> text)
    {
        // Most SSE text is ASCII: narrowing it is much cheaper than the general transcoder, which is only
        // called from the first non-ASCII character on.
        var free = _span.Length - _buffered;
        if (text.Length <= free)
        {
            var status = Ascii.FromUtf16(text, _span.Slice(_buffered, text.Length), out var narrowed);
            _buffered += narrowed;
            if (status == OperationStatus.Done)
            {
                return;
            }

            text = text[narrowed..];
        }

        WriteUtf8Slow(text);
    }

    /// <summary>
    /// Transcodes all of <paramref name="text"/>, which must not end inside a surrogate pair it means to keep,
    /// into <paramref name="destination"/>, which must hold 3 bytes per char.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static int TranscodeToUtf8(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var status = Ascii.FromUtf16(text, destination, out var written);
        if (status != OperationStatus.Done)
        {
            Utf8.FromUtf16(text[written..], destination[written..], out _, out var rest, replaceInvalidSequences: true, isFinalBlock: true);
            written += rest;
        }

        return written;
    }

    public Span<byte> GetSpan(int sizeHint)
    {
        if (_span.Length - _buffered < sizeHint)
        {
            Grow(sizeHint);
        }

        return _span[_buffered..];
    }

    public void Advance(int count) => _buffered += count;

    /// <summary>Hands the buffered bytes to the output. Call once at the end.</summary>
    public void Commit()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
        }

        _span = default;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(scoped ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var free = _span.Length - _buffered;
            if (bytes.Length <= free)
            {
                bytes.CopyTo(_span[_buffered..]);
                _buffered += bytes.Length;
                return;
            }

            bytes[..free].CopyTo(_span[_buffered..]);
            _buffered += free;
            bytes = bytes[free..];
            Grow(Math.Min(bytes.Length, MaximumRequest));
        }
    }

    private void WriteUtf8Slow(scoped ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            // Lone surrogates become U+FFFD, as every UTF-8 encoder in .NET does: UTF-8 cannot carry them.
            Utf8.FromUtf16(text, _span[_buffered..], out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            _buffered += written;
            text = text[read..];
            if (!text.IsEmpty)
            {
                Grow(Math.Clamp(text.Length * MaxBytesPerChar, MaxBytesPerScalar, MaximumRequest));
            }
        }
    }

    private void Grow(int sizeHint)
    {
        Commit();
        _span = _output.GetSpan(Math.Max(sizeHint, MinimumRequest));
    }
}
