using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// The default <see cref="ISseEncoder"/>: writes the wire format of DESIGN.md straight into the output
/// buffer, transcoding UTF-16 to UTF-8 in place, with no allocation per event.
/// </summary>
internal sealed class SseEncoder : ISseEncoder, ISseUtf8EventEncoder
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

    // "\n" + the prefix of the next line (SseLineBreak).
    private static readonly SseLineBreak DataLineBreak = new(MemoryMarshal.Read<ulong>("\ndata: \0"u8), 7);

    private static readonly SseLineBreak CommentLineBreak = new(MemoryMarshal.Read<ulong>("\n: \0\0\0\0\0"u8), 3);

    private static ReadOnlySpan<byte> CommentPrefix => ": "u8;

    private static ReadOnlySpan<byte> EventPrefix => "event: "u8;

    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;

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
            SseLineWriter.WriteLines(ref writer, CommentPrefix, CommentLineBreak, comment);
        }

        // An empty name means the default type "message" to a browser, but not to every parser (.NET's
        // SseParser reports ""); writing nothing gives the browser's meaning everywhere.
        if (evt.Event is { Length: > 0 } name)
        {
            SseLineWriter.WriteLine(ref writer, EventPrefix, name);
        }

        if (evt.Id is { } id)
        {
            SseLineWriter.WriteLine(ref writer, IdPrefix, id);
        }

        if (evt.RetryMilliseconds >= 0)
        {
            SseLineWriter.WriteRetry(ref writer, evt.RetryMilliseconds);
        }

        if (evt.Data is { } data)
        {
            SseLineWriter.WriteLines(ref writer, DataPrefix, DataLineBreak, data);
        }

        writer.WriteByte((byte)'\n');
        writer.Commit();
    }

    public void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new SseBufferCursor(output);
        writer.Write(DataPrefix);
        SseLineWriter.WriteLineBytes(ref writer, DataLineBreak, utf8);
        writer.Write("\n\n"u8);
        writer.Commit();
    }

    /// <inheritdoc />
    public void EncodeUtf8Event(string? eventName, string? id, ReadOnlySpan<byte> utf8Data, IBufferWriter<byte> output)
    {
        var writer = new SseBufferCursor(output);
        if (eventName is { Length: > 0 })
        {
            SseLineWriter.WriteLine(ref writer, EventPrefix, eventName);
        }

        if (id is not null)
        {
            SseLineWriter.WriteLine(ref writer, IdPrefix, id);
        }

        writer.Write(DataPrefix);
        SseLineWriter.WriteLineBytes(ref writer, DataLineBreak, utf8Data);
        writer.Write("\n\n"u8);
        writer.Commit();
    }

    public void EncodeKeepAlive(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(_keepAliveFrame);
    }
}
