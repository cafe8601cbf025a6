using System.Net.ServerSentEvents;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// Opens and reads a live event stream with .NET's own <see cref="SseParser"/>, an independent parser; every
/// wait is bounded by <see cref="Poll.Deadline"/>. Linked from test/Shared into the integration and Redis tests.
/// </summary>
public static class SseReader
{
    /// <summary>Sends GET <paramref name="path"/> and returns as soon as the response headers arrive.</summary>
    public static async Task<HttpResponseMessage> OpenAsync(
        this HttpClient client,
        string path,
        Action<HttpRequestMessage>? configure = null,
        CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Poll.Deadline);

        // SendAsync does not apply the client's defaults to a message we build: without these, a client set
        // up for HTTP/2 (TestApp with HttpProtocols.Http2) would quietly send HTTP/1.1.
        var request = new HttpRequestMessage(HttpMethod.Get, path)
        {
            Version = client.DefaultRequestVersion,
            VersionPolicy = client.DefaultVersionPolicy,
        };
        configure?.Invoke(request);
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
    }

    /// <summary>An enumerator over the events of <paramref name="response"/>, parsed as they arrive.</summary>
    public static async Task<IAsyncEnumerator<SseItem<string>>> EventsAsync(this HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    /// <summary>Reads the next event, failing the test if none comes within <see cref="Poll.Deadline"/>.</summary>
    public static async Task<SseItem<string>> NextAsync(this IAsyncEnumerator<SseItem<string>> events)
    {
        var moveNext = events.MoveNextAsync().AsTask();
        var winner = await Task.WhenAny(moveNext, Task.Delay(Poll.Deadline));
        if (winner != moveNext)
        {
            throw new TimeoutException($"No event arrived within {Poll.Deadline}.");
        }

        if (!await moveNext)
        {
            throw new InvalidOperationException("The stream ended before the expected event.");
        }

        return events.Current;
    }

    /// <summary>Reads the whole stream until the server ends it (bounded by <see cref="Poll.Deadline"/>).</summary>
    public static async Task<List<SseItem<string>>> ReadAllAsync(this HttpResponseMessage response)
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>
    /// Reads the raw body as UTF-8 text until it contains every one of <paramref name="markers"/>, failing the
    /// test if that takes longer than <see cref="Poll.Deadline"/> or the stream ends first.
    /// </summary>
    /// <returns>Everything read so far.</returns>
    public static async Task<string> ReadTextUntilAsync(this HttpResponseMessage response, params string[] markers)
    {
        // Not disposed: the body is the response's, which the test disposes.
        var raw = await RawEventStream.OpenAsync(response);
        return await raw.ReadUntilAsync(
            text => Array.TrueForAll(markers, marker => text.Contains(marker, StringComparison.Ordinal)),
            "every marker (" + string.Join(", ", markers.Select(RawEventStream.Escape)) + ")");
    }
}
