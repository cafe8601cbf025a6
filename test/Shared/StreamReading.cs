using System.Net.ServerSentEvents;
using System.Text;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// One open event stream, read in the background into text (keep-alive comments included), and parsed back
/// with .NET's own <see cref="SseParser"/> whenever a test asks for the events so far. Its waits poll, bounded
/// by <see cref="Poll.Deadline"/>. Linked from test/Shared into the integration and Redis tests.
/// </summary>
public sealed class StreamReading : IAsyncDisposable
{
    private readonly StringBuilder _text = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public StreamReading(HttpResponseMessage response, Stream body)
    {
        Response = response;
        _reading = ReadAsync(body);
    }

    /// <summary>Starts reading the body of <paramref name="response"/> (its headers are in), in the background.</summary>
    public static async Task<StreamReading> StartAsync(HttpResponseMessage response) =>
        new(response, await response.Content.ReadAsStreamAsync());

    public HttpResponseMessage Response { get; }

    public bool Ended { get; private set; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Every event so far (comments are not events), parsed by <see cref="SseParser"/>.</summary>
    public List<SseItem<string>> Events()
    {
        var text = Text;
        // Only complete events: up to the last blank line.
        var end = text.LastIndexOf("\n\n", StringComparison.Ordinal);
        var complete = end < 0 ? string.Empty : text[..(end + 2)];
        return [.. SseParser.Create(new MemoryStream(Encoding.UTF8.GetBytes(complete))).Enumerate()];
    }

    /// <summary>The data of every event so far, gap events excluded.</summary>
    public List<string> Data() => [.. Events().Where(e => e.EventType != "tako.gap").Select(e => e.Data)];

    public Task<List<SseItem<string>>> UntilCountAsync(int count, string? what = null) =>
        UntilAsync(events => events.Count >= count, what ?? $"{count} events");

    public async Task<List<SseItem<string>>> UntilAsync(Func<List<SseItem<string>>, bool> condition, string what)
    {
        await Poll.UntilAsync(() => condition(Events()), what + "; the stream so far: " + Tail());
        return Events();
    }

    public Task UntilTextAsync(string marker) =>
        Poll.UntilAsync(() => Text.Contains(marker, StringComparison.Ordinal), $"'{marker}' in the stream; so far: {Tail()}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Response.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
        {
            // Ended by the disposal.
        }
    }

    private string Tail()
    {
        var text = Text;
        return text.Length > 600 ? "…" + text[^600..] : text;
    }

    private async Task ReadAsync(Stream body)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(bytes, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                var count = decoder.GetChars(bytes, 0, read, chars, 0);
                lock (_text)
                {
                    _text.Append(chars, 0, count);
                }
            }
        }
        finally
        {
            Ended = true;
        }
    }
}
