using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.Extensions.Options;

// Namespace of the root, not of the folder: a Tests.Encoding namespace would hide System.Text.Encoding.
namespace Tako.Sse.Mvc.Tests;

/// <summary>
/// Encodes with the default <see cref="SseEncoder"/> and reads the bytes back with .NET's own
/// <see cref="SseParser"/>, an independent implementation of the HTML Living Standard parser.
/// </summary>
internal static class SseRoundTrip
{
    public static SseEncoder CreateEncoder(TakoSseOptions? options = null) => new(Options.Create(options ?? new TakoSseOptions()));

    public static byte[] Encode(in SseEvent evt)
    {
        var buffer = new ArrayBufferWriter<byte>();
        CreateEncoder().Encode(evt, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static string EncodeToString(in SseEvent evt) => Encoding.UTF8.GetString(Encode(evt));

    public static byte[] EncodeData(ReadOnlySpan<byte> utf8)
    {
        var buffer = new ArrayBufferWriter<byte>();
        CreateEncoder().EncodeData(utf8, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static List<SseItem<string>> Parse(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return [.. SseParser.Create(stream).Enumerate()];
    }

    /// <summary>Parses keeping each event's data as raw bytes, so nothing is lost to UTF-8 decoding.</summary>
    public static List<SseItem<byte[]>> ParseBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return [.. SseParser.Create(stream, static (_, data) => data.ToArray()).Enumerate()];
    }

    /// <summary>
    /// What a conformant parser must return for <paramref name="text"/>: SSE has no way to carry CR (every
    /// CRLF, CR and LF ends a line and the client joins lines with LF), and UTF-8 cannot carry a lone
    /// surrogate (the encoder writes U+FFFD, as every .NET UTF-8 encoder does).
    /// </summary>
    public static string Expected(string text) => NormalizeLineBreaks(ReplaceLoneSurrogates(text));

    public static string ReplaceLoneSurrogates(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    public static string NormalizeLineBreaks(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
}
