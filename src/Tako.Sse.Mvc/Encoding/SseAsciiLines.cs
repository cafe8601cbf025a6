using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tako.Sse.Mvc;

/// <summary>
/// The ASCII fast paths of <see cref="SseLineWriter"/>: text that is all ASCII (most names, ids and JSON) is
/// narrowed to bytes and split into lines in one vectorized pass, straight into the output. Each path writes
/// nothing, or tells how far it got, when the text is not what it handles; the general paths then go on.
/// </summary>
internal static class SseAsciiLines
{
    // Chars narrowed per step by the ASCII multi-line path, and the output room one step may touch: 32 line
    // breaks of up to 7 bytes, plus a 32-byte store past the last one, rounded up.
    internal const int AsciiBlock = 32;
    internal const int AsciiBlockRoom = 256;

    // The longest value the single-line path asks one span for: the largest request the cursor makes anyway.
    internal const int MaxAsciiLine = 16 * 1024;

    // A single line of ASCII, the most common value: narrowing it and looking for line breaks in the same
    // pass (32 chars a step, the last step overlapping the one before) costs one walk over the text instead
    // of IndexOfAny's and then the narrowing's. Returns false, having written nothing, on the first line
    // break or non-ASCII char; the general paths then start over.
    internal static bool TryWriteAsciiLine(ref SseBufferCursor writer, ReadOnlySpan<char> text)
    {
        ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        var length = text.Length;
        var span = writer.GetSpan(length);
        ref var output = ref MemoryMarshal.GetReference(span);
        var offset = 0;
        while (true)
        {
            // Safe: 32 <= length <= span.Length, and offset <= length - 32, so each 32-char load is inside
            // text and each 32-byte store inside span.
            offset = Math.Min(offset, length - AsciiBlock);
            var bytes = NarrowAscii(ref source, offset);
            if (bytes.IsNonAscii
                || (Vector256.Equals(bytes.Value, Vector256.Create((byte)'\r')) | Vector256.Equals(bytes.Value, Vector256.Create((byte)'\n'))) != Vector256<byte>.Zero)
            {
                return false;
            }

            bytes.Value.StoreUnsafe(ref output, (nuint)offset);
            offset += AsciiBlock;
            if (offset >= length)
            {
                writer.Advance(length);
                return true;
            }
        }
    }

    // The same for fewer than 32 chars, the size of most names, ids and small JSON values: two overlapping
    // 16-char (or 8-char) steps, or a plain loop under 8 chars, all inlined. Two library calls (IndexOfAny and
    // the narrowing) cost more than the work itself at this size. Returns false, having written nothing, on
    // a line break or a non-ASCII char.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryWriteShortAsciiLine(ref SseBufferCursor writer, ReadOnlySpan<char> text)
    {
        ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        var length = text.Length;
        var span = writer.GetSpan(length);
        ref var output = ref MemoryMarshal.GetReference(span);
        if (length >= 16)
        {
            // Safe: 16 <= length < 32, so both pairs of 8-char loads are inside text and both 16-byte stores
            // inside the first `length` bytes of span.
            var a = Vector128.LoadUnsafe(ref source);
            var b = Vector128.LoadUnsafe(ref source, 8);
            var c = Vector128.LoadUnsafe(ref source, (nuint)(length - 16));
            var d = Vector128.LoadUnsafe(ref source, (nuint)(length - 8));
            var head = Vector128.Narrow(a, b);
            var tail = Vector128.Narrow(c, d);
            if (((a | b | c | d) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero
                || (IsLineBreak(head) | IsLineBreak(tail)) != Vector128<byte>.Zero)
            {
                return false;
            }

            head.StoreUnsafe(ref output);
            tail.StoreUnsafe(ref output, (nuint)(length - 16));
        }
        else if (length >= 8)
        {
            // The first 8 chars and the last 8, overlapping: one narrowing, two 8-byte stores.
            var a = Vector128.LoadUnsafe(ref source);
            var d = Vector128.LoadUnsafe(ref source, (nuint)(length - 8));
            var both = Vector128.Narrow(a, d);
            if (((a | d) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero || IsLineBreak(both) != Vector128<byte>.Zero)
            {
                return false;
            }

            var halves = both.AsUInt64();
            Unsafe.WriteUnaligned(ref output, halves.GetElement(0));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, length - 8), halves.GetElement(1));
        }
        else
        {
            for (var i = 0; i < length; i++)
            {
                var c = Unsafe.Add(ref source, i);
                if (c >= 0x80 || c == '\r' || c == '\n')
                {
                    return false;
                }

                Unsafe.Add(ref output, i) = (byte)c;
            }
        }

        writer.Advance(length);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> IsLineBreak(Vector128<byte> bytes) =>
        Vector128.Equals(bytes, Vector128.Create((byte)'\r')) | Vector128.Equals(bytes, Vector128.Create((byte)'\n'));

    // Walks the text in fixed blocks of 32 chars while they are all ASCII: each block is narrowed with one
    // vector operation and stored whole where its first char belongs in the output. Each line break of the
    // block becomes one 8-byte store ("\n" + the next line's prefix), and the rest of the block is narrowed
    // again from just after the break and stored where the new line begins; anything a store writes past
    // the end of its line is overwritten by the next store. So a line costs no copy call, no transcoder call
    // and no bounds check, and the block loads do not wait on where the previous line ended.
    // Returns how many chars were written: it stops before the first block that is not pure ASCII, or when
    // fewer than 64 chars are left, and never between the CR and the LF of a CRLF.
    internal static int WriteAsciiLines(ref SseBufferCursor writer, SseLineBreak lineBreak, ReadOnlySpan<char> text)
    {
        ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        var length = text.Length;
        var lastByte = (byte)(lineBreak.Bits >> (8 * (lineBreak.Length - 1)));
        var span = writer.GetSpan(OutputHint(length));
        ref var output = ref MemoryMarshal.GetReference(span);
        var room = span.Length;

        // Char j of the current line (j >= lineStart) goes to output index j + shift.
        var shift = 0;
        var lineStart = 0;
        var block = 0;
        for (; length - block >= 2 * AsciiBlock; block += AsciiBlock)
        {
            if (room - (block + shift) < AsciiBlockRoom)
            {
                if (lineStart > block)
                {
                    break;
                }

                writer.Advance(block + shift);
                span = writer.GetSpan(OutputHint(length - block));
                output = ref MemoryMarshal.GetReference(span);
                room = span.Length;
                shift = -block;
            }

            // Why the unchecked loads and stores are safe: a block and a reload start below block + 32 and
            // read 32 chars, so they stay below block + 64 <= length; every store of this block ends within
            // AsciiBlockRoom bytes of block + shift, which the check above keeps inside span.
            var bytes = NarrowAscii(ref source, block);
            if (bytes.IsNonAscii)
            {
                break;
            }

            bytes.Value.StoreUnsafe(ref output, (nuint)(block + shift));
            var breaks = (Vector256.Equals(bytes.Value, Vector256.Create((byte)'\r')) | Vector256.Equals(bytes.Value, Vector256.Create((byte)'\n'))).ExtractMostSignificantBits();
            while (breaks != 0)
            {
                var lineEnd = block + BitOperations.TrailingZeroCount(breaks);
                breaks &= breaks - 1;
                if (lineEnd < lineStart)
                {
                    // The LF of a CRLF whose CR ended the line: a block store may have put it over the last
                    // byte of the line break.
                    Unsafe.Add(ref output, lineEnd + shift) = lastByte;
                    continue;
                }

                Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, lineEnd + shift), lineBreak.Bits);
                lineStart = lineEnd + 1;
                shift += lineBreak.Length - 1;
                if (Unsafe.Add(ref source, lineEnd) == '\r' && Unsafe.Add(ref source, lineStart) == '\n')
                {
                    lineStart++;
                    shift--;
                }

                if (lineStart < block + AsciiBlock)
                {
                    NarrowAscii(ref source, lineStart).Value.StoreUnsafe(ref output, (nuint)(lineStart + shift));
                }
            }
        }

        var written = Math.Max(block, lineStart);
        writer.Advance(written + shift);
        return written;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NarrowedBlock NarrowAscii(ref ushort source, int offset)
    {
        var low = Vector256.LoadUnsafe(ref source, (nuint)offset);
        var high = Vector256.LoadUnsafe(ref source, (nuint)(offset + Vector256<ushort>.Count));
        return new(Vector256.Narrow(low, high), ((low | high) & Vector256.Create((ushort)0xFF80)) != Vector256<ushort>.Zero);
    }

    // Room for a whole ASCII text of short lines, so a typical event asks for its span once.
    private static int OutputHint(int chars) => Math.Clamp(chars + (chars / 4) + AsciiBlockRoom, AsciiBlockRoom, 16 * 1024);

    private readonly struct NarrowedBlock(Vector256<byte> value, bool isNonAscii)
    {
        public Vector256<byte> Value { get; } = value;

        public bool IsNonAscii { get; } = isNonAscii;
    }
}
