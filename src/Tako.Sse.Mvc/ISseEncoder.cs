using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>
/// The shared, options-configured encoder of Server-Sent Events. One instance, registered by
/// <c>services.AddTakoSse()</c>, serves every <see cref="SseActionResult"/> and the <c>UseSseHeaders</c>
/// middleware. Register your own implementation to change the wire format or the headers everywhere.
/// </summary>
/// <remarks>Implementations are called concurrently from many requests and must be thread-safe.</remarks>
public interface ISseEncoder
{
    /// <summary>
    /// Applies the proxy-safe event-stream headers to a response that has not started: <c>Content-Type:
    /// text/event-stream</c>, <c>Cache-Control</c>, <c>X-Accel-Buffering: no</c> and, on HTTP/1.x only,
    /// <c>Connection: keep-alive</c> (on HTTP/2 and HTTP/3, where it is illegal, any <c>Connection</c> header
    /// is removed).
    /// </summary>
    /// <param name="response">The response to change.</param>
    void ApplyHeaders(HttpResponse response);

    /// <summary>Writes one event, including its closing blank line.</summary>
    /// <param name="evt">The event. An event with no field set writes nothing.</param>
    /// <param name="output">Where the UTF-8 bytes go.</param>
    void Encode(in SseEvent evt, IBufferWriter<byte> output);

    /// <summary>
    /// Writes one raw chunk as a data-only event: the bytes are split at CRLF, CR and LF into <c>data:</c>
    /// lines, so they cannot inject other fields.
    /// </summary>
    /// <param name="utf8">The payload, expected to be UTF-8.</param>
    /// <param name="output">Where the bytes go.</param>
    void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output);

    /// <summary>Writes the keep-alive comment frame, <c>:keepalive\n\n</c> by default.</summary>
    /// <param name="output">Where the bytes go.</param>
    void EncodeKeepAlive(IBufferWriter<byte> output);
}
