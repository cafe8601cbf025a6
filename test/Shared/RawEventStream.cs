using System.Text;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// Reads a live response body as text, for what <see cref="System.Net.ServerSentEvents.SseParser"/> hides on
/// purpose: comments (keep-alive frames) and the exact bytes between events. Each read is bounded by
/// <see cref="Poll.Deadline"/>. Linked from test/Shared into the integration and Redis tests.
/// </summary>
public sealed class RawEventStream(Stream body) : IAsyncDisposable
{
    private readonly StringBuilder _text = new();
    private readonly byte[] _buffer = new byte[4096];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private int _consumed;

    private string Unread => _text.ToString(_consumed, _text.Length - _consumed);

    public static async Task<RawEventStream> OpenAsync(HttpResponseMessage response) =>
        new(await response.Content.ReadAsStreamAsync());

    /// <summary>Reads until <paramref name="marker"/> appears after what earlier calls returned; returns the text up to and including it.</summary>
    public async Task<string> ReadThroughAsync(string marker)
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
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

            await ReadMoreAsync($"'{Escape(marker)}'", timeout.Token);
        }
    }

    /// <summary>
    /// Reads until <paramref name="done"/> holds for everything read so far, and returns all of it (what
    /// <see cref="ReadThroughAsync"/> returned included; its position does not move).
    /// </summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        while (!done(_text.ToString()))
        {
            await ReadMoreAsync(what, timeout.Token);
        }

        return _text.ToString();
    }

    /// <summary>Reads to the end of the body; returns what came after the last marker read.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var rest = await reader.ReadToEndAsync(timeout.Token);
        return Unread + rest;
    }

    public ValueTask DisposeAsync() => body.DisposeAsync();

    internal static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);

    // One read of the body, appended to the text; a timeout or the end of the stream fails the test, saying
    // what it waited for and what came instead.
    private async Task ReadMoreAsync(string what, CancellationToken timeout)
    {
        int read;
        try
        {
            read = await body.ReadAsync(_buffer, timeout);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not arrive within {Poll.Deadline}; got '{Escape(Unread)}'.");
        }

        if (read == 0)
        {
            throw new InvalidOperationException($"The stream ended before {what}; got '{Escape(Unread)}'.");
        }

        var chars = new char[_decoder.GetCharCount(_buffer, 0, read)];
        _decoder.GetChars(_buffer, 0, read, chars, 0);
        _text.Append(chars);
    }
}
