using System.Globalization;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>A two-event stream that resumes after a numeric id: "from N" says where it started.</summary>
internal static class LastEventIdStreams
{
    public static SseActionResult From(long? after)
    {
        var first = (after ?? 0) + 1;
        return new SseActionResult(Events(first));
    }

    private static async IAsyncEnumerable<SseEvent> Events(long first)
    {
        await Task.Yield();
        for (var id = first; id < first + 2; id++)
        {
            yield return SseEvent.FromData($"from {first.ToString(CultureInfo.InvariantCulture)}").WithId(id.ToString(CultureInfo.InvariantCulture));
        }
    }
}
