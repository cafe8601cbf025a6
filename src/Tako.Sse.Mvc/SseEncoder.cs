using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// The default <see cref="ISseEncoder"/>: writes the wire format of DESIGN.md straight into the output
/// buffer, transcoding UTF-16 to UTF-8 in place, with no allocation per event.
/// </summary>
internal sealed class SseEncoder : ISseEncoder
{
    internal const string EventStreamContentType = "text/event-stream";
    internal const string AccelBufferingHeader = "X-Accel-Buffering";

    private readonly byte[] _keepAliveFrame;
    private readonly string _cacheControl;

    public SseEncoder(IOptions<TakoSseOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _cacheControl = value.CacheControl;
        _keepAliveFrame = Encoding.UTF8.GetBytes(":" + value.KeepAliveComment + "\n\n");
    }

    // Chars of text transcoded per chunk by the multi-line path; the scratch holds their worst case, 3 bytes each
    // (a CRLF kept whole can add one char).
    private const int ScratchChars = 2048;
    private const int ScratchBytes = (ScratchChars + 1) * 3;

    // Chars narrowed per step by the ASCII multi-line path, and the output room one step may touch: 32 line
    // breaks of up to 7 bytes, plus a 32-byte store past the last one, rounded up.
    private const int AsciiBlock = 32;
    private const int AsciiBlockRoom = 256;

    // The longest value the single-line path asks one span for: the largest request the cursor makes anyway.
    private const int MaxAsciiLine = 16 * 1024;

    [ThreadStatic]
    private static byte[]? t_scratch;

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    // "\n" + the prefix of the next line, written with one 8-byte store instead of a copy per line.
    private static readonly LineBreak DataLineBreak = new(MemoryMarshal.Read<ulong>("\ndata: \0"u8), 7);

    private static readonly LineBreak CommentLineBreak = new(MemoryMarshal.Read<ulong>("\n: \0\0\0\0\0"u8), 3);

    private static ReadOnlySpan<byte> CommentPrefix => ": "u8;

    private static ReadOnlySpan<byte> EventPrefix => "event: "u8;

    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;

    private static ReadOnlySpan<byte> RetryPrefix => "retry: "u8;

    public void ApplyHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Headers;
        headers.ContentType = EventStreamContentType;
        headers.CacheControl = _cacheControl;
        headers[AccelBufferingHeader] = "no";

        // Connection is a hop-by-hop header that HTTP/2 and HTTP/3 forbid; Kestrel strips it there and logs a
        // warning, so it is only sent where it means something, and one set earlier (by hand) is removed.
        var protocol = response.HttpContext.Request.Protocol;
        if (HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol))
        {
            headers.Connection = "keep-alive";
        }
        else
        {
            headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.Connection);
        }
    }

    public void Encode(in SseEvent evt, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (evt.IsEmpty)
        {
            return;
        }

        var writer = new SseBufferCursor(output);
        if (evt.Comment is { } comment)
        {
            WriteLines(ref writer, CommentPrefix, CommentLineBreak, comment);
        }

        // An empty name means the default type "message" to a browser, but not to every parser (.NET's
        // SseParser reports ""); writing nothing gives the browser's meaning everywhere.
        if (evt.Event is { Length: > 0 } name)
        {
            WriteLine(ref writer, EventPrefix, name);
        }

        if (evt.Id is { } id)
        {
            WriteLine(ref writer, IdPrefix, id);
        }

        if (evt.RetryMilliseconds >= 0)
        {
            WriteRetry(ref writer, evt.RetryMilliseconds);
        }

        if (evt.Data is { } data)
        {
            WriteLines(ref writer, DataPrefix, DataLineBreak, data);
        }

        writer.WriteByte((byte)'\n');
        writer.Commit();
    }

    public void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new SseBufferCursor(output);
        writer.Write(DataPrefix);
        WriteLineBytes(ref writer, DataLineBreak, utf8);
        writer.Write("\n\n"u8);
        writer.Commit();
    }

    public void EncodeKeepAlive(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(_keepAliveFrame);
    }

    // One "<prefix><line>\n" per line of text; CRLF, CR and LF each end a line, and a trailing line break
    // gives a trailing empty line so the client rebuilds the exact text.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteLines(ref SseBufferCursor writer, ReadOnlySpan<byte> prefix, LineBreak lineBreak, ReadOnlySpan<char> text)
    {
        writer.Write(prefix);
        if (Vector128.IsHardwareAccelerated && text.Length < AsciiBlock && TryWriteShortAsciiLine(ref writer, text))
        {
            // Done in one pass, without a call.
        }
        else if (Vector256.IsHardwareAccelerated && text.Length is >= AsciiBlock and <= MaxAsciiLine && TryWriteAsciiLine(ref writer, text))
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

    // A single line of ASCII, the most common value: narrowing it and looking for line breaks in the same
    // pass (32 chars a step, the last step overlapping the one before) costs one walk over the text instead
    // of IndexOfAny's and then the narrowing's. Returns false, having written nothing, on the first line
    // break or non-ASCII char; the general paths then start over.
    private static bool TryWriteAsciiLine(ref SseBufferCursor writer, ReadOnlySpan<char> text)
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
    private static bool TryWriteShortAsciiLine(ref SseBufferCursor writer, ReadOnlySpan<char> text)
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

    // ASCII text, the common case, is narrowed and split into lines in one pass straight into the output
    // (WriteAsciiLines); what it leaves (a short tail, or everything from the first non-ASCII block on) goes
    // through the general paths below.
    private static void WriteMultiLine(ref SseBufferCursor writer, LineBreak lineBreak, ReadOnlySpan<char> text)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            if (text.Length >= 2 * AsciiBlock)
            {
                text = text[WriteAsciiLines(ref writer, lineBreak, text)..];
            }

            if (text.Length < 2 * AsciiBlock)
            {
                WriteShortLines(ref writer, lineBreak, text);
                return;
            }
        }

        WriteMultiLineChunks(ref writer, lineBreak, text);
    }

    // Walks the text in fixed blocks of 32 chars while they are all ASCII: each block is narrowed with one
    // vector operation and stored whole where its first char belongs in the output. Each line break of the
    // block becomes one 8-byte store ("\n" + the next line's prefix), and the rest of the block is narrowed
    // again from just after the break and stored where the new line begins; anything a store writes past
    // the end of its line is overwritten by the next store. So a line costs no copy call, no transcoder call
    // and no bounds check, and the block loads do not wait on where the previous line ended.
    // Returns how many chars were written: it stops before the first block that is not pure ASCII, or when
    // fewer than 64 chars are left, and never between the CR and the LF of a CRLF.
    private static int WriteAsciiLines(ref SseBufferCursor writer, LineBreak lineBreak, ReadOnlySpan<char> text)
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

    // A short rest of text: one IndexOfAny and one transcoder call per line is cheaper than going through
    // the scratch buffer. Cutting at line breaks never splits a surrogate pair.
    private static void WriteShortLines(ref SseBufferCursor writer, LineBreak lineBreak, ReadOnlySpan<char> text)
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

    // Transcoding line by line pays the transcoder's fixed cost per line; instead each chunk of text is
    // transcoded at once into a per-thread scratch buffer, then its lines are copied out with their prefixes.
    private static void WriteMultiLineChunks(ref SseBufferCursor writer, LineBreak lineBreak, ReadOnlySpan<char> text)
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
    private static void WriteLineBytes(ref SseBufferCursor writer, LineBreak lineBreak, ReadOnlySpan<byte> bytes)
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

    private static void WriteBlockLines(ref SseBufferCursor writer, LineBreak lineBreak, ReadOnlySpan<byte> bytes, int offset, uint mask, ref int lineStart)
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
    private static void WriteLine(ref SseBufferCursor writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<char> value)
    {
        writer.Write(prefix);

        // Names and ids were checked for line breaks when the event was built; the short path's check of its
        // own only sends a value it would refuse to the general transcoder, which writes it unchanged.
        if (!(Vector128.IsHardwareAccelerated && value.Length < AsciiBlock && TryWriteShortAsciiLine(ref writer, value)))
        {
            writer.WriteUtf8(value);
        }

        writer.WriteByte((byte)'\n');
    }

    private static void WriteRetry(ref SseBufferCursor writer, long milliseconds)
    {
        writer.Write(RetryPrefix);
        var span = writer.GetSpan(20);
        milliseconds.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        writer.Advance(written);
        writer.WriteByte((byte)'\n');
    }

    private static int SkipLineBreak(ReadOnlySpan<byte> text, int index) =>
        text[index] == '\r' && index + 1 < text.Length && text[index + 1] == '\n' ? index + 2 : index + 1;

    private readonly struct NarrowedBlock(Vector256<byte> value, bool isNonAscii)
    {
        public Vector256<byte> Value { get; } = value;

        public bool IsNonAscii { get; } = isNonAscii;
    }

    private readonly struct LineBreak(ulong bits, int length)
    {
        public ulong Bits { get; } = bits;

        public int Length { get; } = length;
    }
}
