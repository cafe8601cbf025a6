using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>Reads the Server-Sent Events reconnection cursor from a request.</summary>
/// <remarks>
/// Both methods read the <c>Last-Event-ID</c> header, trim leading and trailing ASCII whitespace, and return
/// <see langword="null"/> when the header is missing, empty, whitespace only, or sent more than once. Other
/// characters, control characters included, are kept. See <c>docs/reconnection.md</c> for the server settings
/// that decide which bytes reach the application.
/// </remarks>
public static class SseHttpRequestExtensions
{
    /// <summary>
    /// Gets the <c>Last-Event-ID</c> header as text: the <c>id:</c> of the last event the client received.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>
    /// The trimmed value; <see langword="null"/> when there is none, or when its bytes are not UTF-8 (which
    /// can only reach the application when the server decodes the header as Latin-1; use
    /// <see cref="GetLastEventIdBytes"/> to read such a cursor).
    /// </returns>
    public static string? GetLastEventId(this HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return LastEventIdReader.GetText(request);
    }

    /// <summary>
    /// Gets the bytes of the <c>Last-Event-ID</c> header as the client sent them, kept even when they are not
    /// UTF-8 (an opaque binary cursor).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>
    /// A new array with the trimmed bytes, owned by the caller; <see langword="null"/> when there is no value.
    /// The original bytes are exact when they are ASCII or when the server decodes the header as Latin-1; under
    /// the UTF-8 default they are the UTF-8 encoding of the header (Kestrel rejects other bytes with 400).
    /// </returns>
    public static byte[]? GetLastEventIdBytes(this HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return LastEventIdReader.GetBytes(request);
    }
}
