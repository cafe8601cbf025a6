using System.Buffers;
using System.Globalization;
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

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

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
        // warning, so it is only sent where it means something.
        var protocol = response.HttpContext.Request.Protocol;
        if (HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol))
        {
            headers.Connection = "keep-alive";
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
            WriteLines(ref writer, CommentPrefix, comment);
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
            WriteLines(ref writer, DataPrefix, data);
        }

        writer.WriteByte((byte)'\n');
        writer.Commit();
    }

    public void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new SseBufferCursor(output);
        while (true)
        {
            var lineEnd = utf8.IndexOfAny((byte)'\r', (byte)'\n');
            writer.Write(DataPrefix);
            writer.Write(lineEnd < 0 ? utf8 : utf8[..lineEnd]);
            writer.WriteByte((byte)'\n');
            if (lineEnd < 0)
            {
                break;
            }

            utf8 = utf8[SkipLineBreak(utf8, lineEnd)..];
        }

        writer.WriteByte((byte)'\n');
        writer.Commit();
    }

    public void EncodeKeepAlive(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(_keepAliveFrame);
    }

    // One "<prefix><line>\n" per line of text; CRLF, CR and LF each end a line, and a trailing line break
    // gives a trailing empty line so the client rebuilds the exact text.
    private static void WriteLines(ref SseBufferCursor writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<char> text)
    {
        while (true)
        {
            var lineEnd = text.IndexOfAny('\r', '\n');
            writer.Write(prefix);
            writer.WriteUtf8(lineEnd < 0 ? text : text[..lineEnd]);
            writer.WriteByte((byte)'\n');
            if (lineEnd < 0)
            {
                return;
            }

            text = text[SkipLineBreak(text, lineEnd)..];
        }
    }

    private static void WriteLine(ref SseBufferCursor writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<char> value)
    {
        writer.Write(prefix);
        writer.WriteUtf8(value);
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

    private static int SkipLineBreak(ReadOnlySpan<char> text, int index) =>
        text[index] == '\r' && index + 1 < text.Length && text[index + 1] == '\n' ? index + 2 : index + 1;

    private static int SkipLineBreak(ReadOnlySpan<byte> text, int index) =>
        text[index] == '\r' && index + 1 < text.Length && text[index + 1] == '\n' ? index + 2 : index + 1;
}
