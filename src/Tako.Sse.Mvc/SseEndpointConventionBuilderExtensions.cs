using Tako.Sse.Mvc;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Declares what a minimal API endpoint that returns <see cref="SseActionResult"/> streams, for OpenAPI.</summary>
public static class SseEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Declares an event of the endpoint's stream, as <see cref="ProducesServerSentEventsAttribute"/> does on an MVC
    /// action: the OpenAPI document describes the <c>200</c> response as <c>text/event-stream</c> with
    /// <typeparamref name="T"/>'s schema and the event names. Call it once per event name.
    /// </summary>
    /// <typeparam name="T">The type whose JSON is the event's data (<see cref="string"/> for plain text).</typeparam>
    /// <param name="builder">The endpoint's builder.</param>
    /// <param name="eventName">The event's <c>event:</c> name, or <see langword="null"/> for plain messages.</param>
    /// <param name="channelSubscription">Whether the endpoint subscribes to a channel: the gap event is then listed too.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static RouteHandlerBuilder ProducesServerSentEvents<T>(this RouteHandlerBuilder builder, string? eventName = null, bool channelSubscription = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ProducesServerSentEventsAttribute(typeof(T), eventName) { ChannelSubscription = channelSubscription });
    }
}
