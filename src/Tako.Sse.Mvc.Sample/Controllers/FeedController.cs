using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>Structured events: named events, ids, a retry hint and comments.</summary>
/// <param name="timeProvider">The clock that paces the feed.</param>
public sealed class FeedController(TimeProvider timeProvider) : ControllerBase
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    private static readonly string[] s_headlines =
    [
        "Controllers return new SseActionResult(events)",
        "Keep-alive comments hold idle streams open through proxies",
        "Last-Event-ID resumes where the browser left off",
        "Untrusted text cannot inject events",
    ];

    /// <summary>
    /// A <c>price</c> event a second and a <c>news</c> event every fourth, each with an id; after a reconnect
    /// the feed goes on after the <c>Last-Event-ID</c> the browser sends.
    /// </summary>
    /// <param name="lastEventId">The last id the browser saw, on a reconnect.</param>
    /// <returns>The stream.</returns>
    [HttpGet("/feed")]
    [ProducesServerSentEvents(typeof(string))]
    [ProducesServerSentEvents(typeof(string), "news")]
    [ProducesServerSentEvents(typeof(string), "price")]
    public SseActionResult Feed([FromHeader(Name = "Last-Event-ID")] long? lastEventId) =>
        new(Events(lastEventId ?? 0, timeProvider));

    private static async IAsyncEnumerable<SseEvent> Events(
        long after,
        TimeProvider timeProvider,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A comment (EventSource never shows it) and a retry hint: reconnect 3 s after losing the stream.
        yield return SseEvent.FromRetry(TimeSpan.FromSeconds(3)).WithComment("Tako.Sse.Mvc feed: price and news events");
        if (after == 0)
        {
            // No event name: the page's onmessage gets it.
            yield return SseEvent.FromData("hello");
        }

        for (var id = after + 1; ; id++)
        {
            await Task.Delay(s_period, timeProvider, cancellationToken);
            var idText = id.ToString(CultureInfo.InvariantCulture);
            if (id % 5 == 0)
            {
                yield return SseEvent.FromComment($"heartbeat {idText}");
            }

            yield return id % 4 == 0
                ? SseEvent.FromData(s_headlines[(id / 4) % s_headlines.Length]).WithEvent("news").WithId(idText)
                : SseEvent.FromData(Price(id)).WithEvent("price").WithId(idText);
        }
    }

    private static string Price(long id) =>
        string.Create(CultureInfo.InvariantCulture, $"TAKO {100 + (id * 37 % 200 / 100.0):0.00}");
}
