using Microsoft.AspNetCore.Mvc.ApiExplorer;

namespace Tako.Sse.Mvc;

/// <summary>
/// Declares what an endpoint that returns <see cref="SseActionResult"/> streams, for OpenAPI and ApiExplorer: the
/// <c>200</c> response is described as <c>text/event-stream</c> with <see cref="Type"/>'s schema and the event
/// names listed. Put one on an MVC action per event name; minimal APIs use
/// <c>.ProducesServerSentEvents&lt;T&gt;(eventName)</c> (<see cref="Microsoft.AspNetCore.Builder.SseEndpointConventionBuilderExtensions"/>).
/// </summary>
/// <remarks>
/// An MVC action with this attribute is in the API description even without <c>[ApiController]</c>.
/// OpenAPI gives one response one schema: when the events of an endpoint carry different types, the schema is the
/// first one's, and every event is named with its type in the response's description.
/// </remarks>
/// <example><c>[ProducesServerSentEvents(typeof(Order), "order")]</c></example>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
public sealed class ProducesServerSentEventsAttribute : Attribute, IApiDescriptionVisibilityProvider
{
    /// <summary>Declares an event of the stream.</summary>
    /// <param name="type">The type whose JSON is the event's data (<see cref="string"/> for plain text).</param>
    /// <param name="eventName">The event's <c>event:</c> name, or <see langword="null"/> for plain messages (<c>message</c> in the browser).</param>
    /// <exception cref="ArgumentNullException"><paramref name="type"/> is <see langword="null"/>.</exception>
    public ProducesServerSentEventsAttribute(Type type, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        Type = type;
        EventName = eventName;
    }

    /// <summary>Gets the type whose JSON is the event's data.</summary>
    public Type Type { get; }

    /// <summary>Gets the event's <c>event:</c> name; <see langword="null"/> for plain messages.</summary>
    public string? EventName { get; }

    /// <summary>
    /// Gets or sets a value indicating whether the endpoint subscribes to a channel
    /// (<see cref="SseActionResult.Subscribe(string, string?)"/> or one of several): its description then lists the
    /// gap event (<see cref="SseChannelOptions.GapEventName"/>) and the revoked event
    /// (<see cref="SseChannelOptions.RevokedEventName"/>) too. Default: <see langword="false"/>.
    /// </summary>
    public bool ChannelSubscription { get; set; }

    /// <summary>
    /// Gets <see langword="false"/>: an action that declares its events is in the API description (and so in the
    /// OpenAPI document) even in a controller without <c>[ApiController]</c>.
    /// </summary>
    bool IApiDescriptionVisibilityProvider.IgnoreApi => false;
}
