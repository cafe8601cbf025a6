using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tako.Sse.Mvc;

/// <summary>
/// The line-splitting paths of <see cref="SseEncoder"/>: every field value is written as <c>&lt;prefix&gt;&lt;line&gt;\n</c>
/// lines, with CRLF, CR and LF each ending a line. Text that is all ASCII takes the vectorized paths of
/// <see cref="SseAsciiLines"/>; the rest is transcoded here.
/// </summary>
internal static class SseLineWriter
{
    // Chars of text transcoded per chunk by the multi-line path; the scratch holds their worst case, 3 bytes each
    // (a CRLF kept whole can add one char).
    private const int ScratchChars = 2048;
    private const int ScratchBytes = (ScratchChars + 1) * 3;

    [ThreadStatic]
    private static byte[]? t_scratch;

    private static ReadOnlySpan<byte> RetryPrefix => "retry: "u8;

    // One "<prefix><line>\n" per line of text; CRLF, CR and LF each end a line, and a trailing line break
    // gives a trailing empty line so the client rebuilds the exact text.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteLines(ref SseBufferCursor writer, ReadOnlySpan<byte> prefix, SseLineBreak lineBreak, ReadOnlySpan<char> text)
    {
        writer.Write(prefix);
        if (Vector128.IsHardwareAccelerated && text.Length < SseAsciiLines.AsciiBlock && SseAsciiLines.TryWriteShortAsciiLine(ref writer, text))
        {
            // Done in one pass, without a call.
        }
        else if (Vector256.IsHardwareAccelerated && text.Length is >= SseAsciiLines.AsciiBlock and <= SseAsciiLines.MaxAsciiLine && SseAsciiLines.TryWriteAsciiLine(ref writer, text))
        {
            // Done in one pass.
        }
        else if (text.IndexOfAny('\r', '\n') < 0)
        {
            // The common case, one line: transcoded straight into the output.
            writer.WriteUtf8(text);
        }
        else
        {
            WriteMultiLine(ref writer, lineBreak, text);
        }

        writer.WriteByte((byte)'\n');
    }

    // A short rest of text: one IndexOfAny and one transcoder call per line is cheaper than going through
    // the scratch buffer. Cutting at line breaks never splits a surrogate pair.
    private static void WriteShortLines(ref SseBufferCursor writer, SseLineBreak lineBreak, ReadOnlySpan<char> text)
    {
        while (true)
        {
            var lineEnd = text.IndexOfAny('\r', '\n');
            if (lineEnd < 0)
            {
                writer.WriteUtf8(text);
                return;
            }

            writer.WriteUtf8(text[..lineEnd]);
            writer.WriteUpTo8(lineBreak.Bits, lineBreak.Length);
            var next = text[lineEnd] == '\r' && lineEnd + 1 < text.Length && text[lineEnd + 1] == '\n' ? lineEnd + 2 : lineEnd + 1;
            text = text[next..];
        }
    }

    // ASCII text, the common case, is narrowed and split into lines in one pass straight into the output
    // (WriteAsciiLines); what it leaves (a short tail, or everything from the first non-ASCII block on) goes
    // through the general paths below.
    private static void WriteMultiLine(ref SseBufferCursor writer, SseLineBreak lineBreak, ReadOnlySpan<char> text)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            if (text.Length >= 2 * SseAsciiLines.AsciiBlock)
            {
                text = text[SseAsciiLines.WriteAsciiLines(ref writer, lineBreak, text)..];
            }

            if (text.Length < 2 * SseAsciiLines.AsciiBlock)
            {
                WriteShortLines(ref writer, lineBreak, text);
                return;
            }
        }

        WriteMultiLineChunks(ref writer, lineBreak, text);
    }

    // Transcoding line by line pays the transcoder's fixed cost per line; instead each chunk of text is
    // transcoded at once into a per-thread scratch buffer, then its lines are copied out with their prefixes.
    private static void WriteMultiLineChunks(ref SseBufferCursor writer, SseLineBreak lineBreak, ReadOnlySpan<char> text)
    {
        var scratch = t_scratch ??= new byte[ScratchBytes];
        while (!text.IsEmpty)
        {
            var take = Math.Min(text.Length, ScratchChars);
            if (take < text.Length)
            {
                // Never split a surrogate pair (it would become two U+FFFD) nor a CRLF (it would become two breaks).
                if (char.IsHighSurrogate(text[take - 1]))
                {
                    take--;
                }

                if (text[take - 1] == '\r' && text[take] == '\n')
                {
                    take++;
                }
            }

            var written = SseBufferCursor.TranscodeToUtf8(text[..take], scratch);
            WriteLineBytes(ref writer, lineBreak, scratch.AsSpan(0, written));
            text = text[take..];
        }
    }

    // Copies UTF-8 text, replacing each CRLF, CR and LF with lineBreak ("\n" + the prefix of the next line).
    // Lines are short (tens of bytes), so one IndexOfAny per line would pay its start-up cost once per line;
    // instead 32 bytes at a time are compared and every line break of the block is taken from one bit mask.
    internal static void WriteLineBytes(ref SseBufferCursor writer, SseLineBreak lineBreak, ReadOnlySpan<byte> bytes)
    {
        var lineStart = 0;
        if (Vector256.IsHardwareAccelerated && bytes.Length >= Vector256<byte>.Count)
        {
            var lastBlock = bytes.Length - Vector256<byte>.Count;
            var block = 0;
            for (; block <= lastBlock; block += Vector256<byte>.Count)
            {
                WriteBlockLines(ref writer, lineBreak, bytes, block, LineBreakMask(bytes, block), ref lineStart);
            }

            if (block < bytes.Length)
            {
                // The tail: the last full block again, without the positions already done.
                var mask = LineBreakMask(bytes, lastBlock) & (uint.MaxValue << (block - lastBlock));
                WriteBlockLines(ref writer, lineBreak, bytes, lastBlock, mask, ref lineStart);
            }
        }
        else
        {
            while (true)
            {
                var lineEnd = bytes[lineStart..].IndexOfAny((byte)'\r', (byte)'\n');
                if (lineEnd < 0)
                {
                    break;
                }

                writer.Write(bytes.Slice(lineStart, lineEnd));
                writer.WriteUpTo8(lineBreak.Bits, lineBreak.Length);
                lineStart = SkipLineBreak(bytes, lineStart + lineEnd);
            }
        }

        writer.Write(bytes[lineStart..]);
    }

    private static uint LineBreakMask(ReadOnlySpan<byte> bytes, int offset)
    {
        var block = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(bytes), (nuint)offset);
        return (Vector256.Equals(block, Vector256.Create((byte)'\r')) | Vector256.Equals(block, Vector256.Create((byte)'\n'))).ExtractMostSignificantBits();
    }

    private static void WriteBlockLines(ref SseBufferCursor writer, SseLineBreak lineBreak, ReadOnlySpan<byte> bytes, int offset, uint mask, ref int lineStart)
    {
        while (mask != 0)
        {
            var lineEnd = offset + BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;

            // The LF of a CRLF whose CR already ended the line.
            if (lineEnd < lineStart)
            {
                continue;
            }

            writer.Write(bytes[lineStart..lineEnd]);
            writer.WriteUpTo8(lineBreak.Bits, lineBreak.Length);
            lineStart = SkipLineBreak(bytes, lineEnd);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteLine(ref SseBufferCursor writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<char> value)
    {
        writer.Write(prefix);

        // Names and ids were checked for line breaks when the event was built; the short path's check of its
        // own only sends a value it would refuse to the general transcoder, which writes it unchanged.
        if (!(Vector128.IsHardwareAccelerated && value.Length < SseAsciiLines.AsciiBlock && SseAsciiLines.TryWriteShortAsciiLine(ref writer, value)))
        {
            writer.WriteUtf8(value);
        }

        writer.WriteByte((byte)'\n');
    }

    internal static void WriteRetry(ref SseBufferCursor writer, long milliseconds)
    {
        writer.Write(RetryPrefix);
        var span = writer.GetSpan(20);
        milliseconds.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        writer.Advance(written);
        writer.WriteByte((byte)'\n');
    }

    private static int SkipLineBreak(ReadOnlySpan<byte> text, int index) =>
        text[index] == '\r' && index + 1 < text.Length && text[index + 1] == '\n' ? index + 2 : index + 1;
}
