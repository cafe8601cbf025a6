using System.Net.ServerSentEvents;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>Reads a live event stream with .NET's own <see cref="SseParser"/>, an independent parser.</summary>
public static class SseReader
{
    /// <summary>A generous bound for anything that should happen "at once" on loopback.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Sends GET <paramref name="path"/> and returns as soon as the response headers arrive.</summary>
    public static async Task<HttpResponseMessage> OpenAsync(this HttpClient client, string path, Action<HttpRequestMessage>? configure = null)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var request = new HttpRequestMessage(HttpMethod.Get, path)
        {
            // SendAsync does not apply the client's defaults itself (GetAsync does): keep h2c clients on HTTP/2.
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

    /// <summary>Reads the next event, failing the test if none comes within <see cref="Deadline"/>.</summary>
    public static async Task<SseItem<string>> NextAsync(this IAsyncEnumerator<SseItem<string>> events)
    {
        var moveNext = events.MoveNextAsync().AsTask();
        var winner = await Task.WhenAny(moveNext, Task.Delay(Deadline));
        if (winner != moveNext)
        {
            throw new TimeoutException($"No event arrived within {Deadline}.");
        }

        if (!await moveNext)
        {
            throw new InvalidOperationException("The stream ended before the expected event.");
        }

        return events.Current;
    }

    /// <summary>Reads the whole stream until the server ends it (bounded by <see cref="Deadline"/>).</summary>
    public static async Task<List<SseItem<string>>> ReadAllAsync(this HttpResponseMessage response)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
        {
            items.Add(item);
        }

        return items;
    }
}
