using System.Text.Json.Serialization.Metadata;

namespace Tako.Sse.Mvc;

/// <summary>
/// The sources of <see cref="SseActionResult.Json{T}(IAsyncEnumerable{T}, string?)"/> and its overloads: the
/// arguments checked once, and the fields of each item (a fixed event name, or names and ids chosen per item).
/// </summary>
internal static class SseJsonSources
{
    public static SseSource Create<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T>? typeInfo, string? eventName)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (eventName is null)
        {
            return new SseJsonSource<T>(items, SseJsonFields<T>.None, typeInfo);
        }

        SseEvent.ValidateEventName(eventName, nameof(eventName));
        return new SseJsonSource<T>(items, new SseJsonFields<T>(eventName, null, null), typeInfo);
    }

    public static SseSource Create<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T>? typeInfo, Func<T, string?> idSelector, string? eventName)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(idSelector);
        if (eventName is not null)
        {
            SseEvent.ValidateEventName(eventName, nameof(eventName));
        }

        return new SseJsonSource<T>(items, new SseJsonFields<T>(eventName, null, idSelector), typeInfo);
    }

    public static SseSource Create<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T>? typeInfo, Func<T, string?> idSelector, Func<T, string?> eventNameSelector)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(idSelector);
        ArgumentNullException.ThrowIfNull(eventNameSelector);
        return new SseJsonSource<T>(items, new SseJsonFields<T>(null, eventNameSelector, idSelector), typeInfo);
    }
}
