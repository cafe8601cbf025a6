using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Tako.Sse.Mvc;

/// <summary>
/// Reads the reconnection cursor of a request: the <c>Last-Event-ID</c> header, and for polyfills the
/// <c>lastEventId</c> query parameter. One implementation behind <see cref="SseHttpRequestExtensions"/>, the
/// model binders and <see cref="LastEventId"/>, so all of them trim and reject the same way.
/// </summary>
/// <remarks>
/// A value is absent when the header is missing, empty, whitespace only, or sent more than once: two cursors
/// cannot both be right, and resuming from the start is the safe reading of an ambiguous request.
/// </remarks>
internal static class LastEventIdReader
{
    internal const string QueryParameterName = "lastEventId";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The cursor as text, or <see langword="null"/> when absent or when its bytes are not UTF-8.</summary>
    public static string? GetText(HttpRequest request)
    {
        var raw = TrimmedSingle(request.Headers[SseHeaderNames.LastEventId]);
        if (raw is null || Ascii.IsValid(raw))
        {
            return raw;
        }

        // The server widened each byte to one char: the chars are the original bytes, which must be UTF-8.
        return IsWidenedLatin1(request, raw) ? DecodeUtf8(Encoding.Latin1.GetBytes(raw)) : raw;
    }

    /// <summary>The cursor's bytes as the client sent them, or <see langword="null"/> when absent.</summary>
    public static byte[]? GetBytes(HttpRequest request)
    {
        var raw = TrimmedSingle(request.Headers[SseHeaderNames.LastEventId]);
        if (raw is null)
        {
            return null;
        }

        if (Ascii.IsValid(raw))
        {
            return Encoding.ASCII.GetBytes(raw);
        }

        return IsWidenedLatin1(request, raw)
            ? Encoding.Latin1.GetBytes(raw)
            : (RequestHeaderEncoding.Get(request.HttpContext) ?? Encoding.UTF8).GetBytes(raw);
    }

    /// <summary>The <c>lastEventId</c> query parameter, trimmed; <see langword="null"/> when absent.</summary>
    public static string? GetQueryText(HttpRequest request) => TrimmedSingle(request.Query[QueryParameterName]);

    /// <summary>Removes leading and trailing ASCII whitespace (SP, HTAB, LF, VT, FF, CR).</summary>
    public static ReadOnlySpan<char> Trim(ReadOnlySpan<char> value)
    {
        var start = 0;
        while (start < value.Length && IsAsciiWhitespace(value[start]))
        {
            start++;
        }

        var end = value.Length;
        while (end > start && IsAsciiWhitespace(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>Strict UTF-8 decoding: <see langword="null"/> for bytes that are not UTF-8.</summary>
    public static string? DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    // Allocation-free for the usual case (one value, nothing to trim): the header string itself is returned.
    private static string? TrimmedSingle(StringValues values)
    {
        if (values.Count != 1 || values[0] is not { } value)
        {
            return null;
        }

        var trimmed = Trim(value);
        if (trimmed.IsEmpty)
        {
            return null;
        }

        return trimmed.Length == value.Length ? value : trimmed.ToString();
    }

    private static bool IsWidenedLatin1(HttpRequest request, string value) =>
        RequestHeaderEncoding.IsLatin1(RequestHeaderEncoding.Get(request.HttpContext)) && IsLatin1Range(value);

    // A char above U+00FF cannot come from widening a byte: such a value was set as text (by a test host or
    // middleware), so it is taken as text.
    private static bool IsLatin1Range(string value) => !value.AsSpan().ContainsAnyExceptInRange('\0', '\u00FF');

    private static bool IsAsciiWhitespace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
