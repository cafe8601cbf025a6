namespace Tako.Sse.Mvc;

/// <summary>The <c>event:</c> and <c>id:</c> of each event of a JSON stream: fixed, or picked from each item.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class SseJsonFields<T>(string? eventName, Func<T, string?>? eventNameSelector, Func<T, string?>? idSelector)
{
    public static SseJsonFields<T> None { get; } = new(null, null, null);

    /// <summary>Whether any event can carry a field besides its data.</summary>
    public bool HasFields => eventName is not null || eventNameSelector is not null || idSelector is not null;

    /// <summary>The name of the item's event, checked as <see cref="SseEvent.WithEvent"/> checks it.</summary>
    public string? GetEventName(T item)
    {
        if (eventNameSelector is null)
        {
            return eventName;
        }

        var name = eventNameSelector(item);
        if (name is not null)
        {
            SseEvent.ValidateEventName(name, "eventNameSelector");
        }

        return name;
    }

    /// <summary>The id of the item's event, checked as <see cref="SseEvent.WithId"/> checks it.</summary>
    public string? GetId(T item)
    {
        var id = idSelector?.Invoke(item);
        if (id is not null)
        {
            SseEvent.ValidateId(id, "idSelector");
        }

        return id;
    }
}
