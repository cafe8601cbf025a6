using System.Text;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>
/// Reads a live response body as text, for what <see cref="System.Net.ServerSentEvents.SseParser"/> hides on
/// purpose: comments (keep-alive frames) and the exact bytes between events.
/// </summary>
public sealed class RawEventStream(Stream body) : IAsyncDisposable
{
    private readonly StringBuilder _text = new();
    private readonly byte[] _buffer = new byte[4096];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private int _consumed;

    public static async Task<RawEventStream> OpenAsync(HttpResponseMessage response) =>
        new(await response.Content.ReadAsStreamAsync());

    /// <summary>Reads until <paramref name="marker"/> appears after what earlier calls returned; returns the text up to and including it.</summary>
    public async Task<string> ReadThroughAsync(string marker)
    {
        using var timeout = new CancellationTokenSource(SseReader.Deadline);
        while (true)
        {
            var index = _text.ToString().IndexOf(marker, _consumed, StringComparison.Ordinal);
            if (index >= 0)
            {
                var end = index + marker.Length;
                var chunk = _text.ToString(_consumed, end - _consumed);
                _consumed = end;
                return chunk;
            }

            int read;
            try
            {
                read = await body.ReadAsync(_buffer, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{Escape(marker)}' did not arrive within {SseReader.Deadline}; got '{Escape(_text.ToString(_consumed, _text.Length - _consumed))}'.");
            }

            if (read == 0)
            {
                throw new InvalidOperationException($"The stream ended before '{Escape(marker)}'; got '{Escape(_text.ToString(_consumed, _text.Length - _consumed))}'.");
            }

            var chars = new char[_decoder.GetCharCount(_buffer, 0, read)];
            _decoder.GetChars(_buffer, 0, read, chars, 0);
            _text.Append(chars);
        }
    }

    /// <summary>Reads to the end of the body; returns what came after the last marker read.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(SseReader.Deadline);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var rest = await reader.ReadToEndAsync(timeout.Token);
        return _text.ToString(_consumed, _text.Length - _consumed) + rest;
    }

    public ValueTask DisposeAsync() => body.DisposeAsync();

    private static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);
}
