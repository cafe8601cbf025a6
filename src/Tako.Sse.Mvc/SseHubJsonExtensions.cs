using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tako.Sse.Mvc;

/// <summary>
/// Publishes typed values as JSON events, with the same JSON as <see cref="SseActionResult.Json{T}(IAsyncEnumerable{T}, string?)"/>
/// writes in the same app: publishers no longer call <see cref="JsonSerializer"/> themselves, each with options of
/// its own.
/// </summary>
public static class SseHubJsonExtensions
{
#pragma warning disable RS0026 // The fourth parameter's type (a contract or a name) tells the two overloads apart.
    /// <summary>
    /// Serializes <paramref name="value"/> with the app's configured JSON options and publishes it as the data of
    /// one event, as <see cref="ISseHub.PublishAsync"/> does. The options are MVC's
    /// (<c>AddControllers().AddJsonOptions(…)</c>) when the app registered MVC, and minimal APIs'
    /// (<c>ConfigureHttpJsonOptions(…)</c>) otherwise: when an app has both, MVC's win. A hub you registered yourself
    /// (not the in-memory one or a Tako backplane) gets <see cref="JsonSerializerOptions.Web"/>.
    /// </summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="hub">The hub.</param>
    /// <param name="channel">The channel's name: 1 to 256 characters, no control characters.</param>
    /// <param name="value">The value; its JSON is the event's data.</param>
    /// <param name="eventName">The <c>event:</c> name, or <see langword="null"/> for a plain message.</param>
    /// <param name="cancellationToken">Cancels the publication before it has happened.</param>
    /// <returns>The id the hub gave the event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hub"/> or <paramref name="channel"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a valid name, or <paramref name="eventName"/> contains CR or LF.</exception>
    [RequiresUnreferencedCode(SseJsonTypeInfos.ReflectionMessage)]
    [RequiresDynamicCode(SseJsonTypeInfos.ReflectionMessage)]
    public static ValueTask<string> PublishJsonAsync<T>(this ISseHub hub, string channel, T value, string? eventName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var options = (hub as SseChannelHub)?.Options.PublishingJsonOptions?.Value;
        return hub.PublishJsonAsync(channel, value, SseJsonTypeInfos.Get<T>(options), eventName, cancellationToken);
    }

    /// <summary>
    /// Serializes <paramref name="value"/> with <paramref name="typeInfo"/> (from a source-generated
    /// <c>JsonSerializerContext</c>; trim- and Native-AOT-safe) and publishes it as the data of one event, as
    /// <see cref="ISseHub.PublishAsync"/> does.
    /// </summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="hub">The hub.</param>
    /// <param name="channel">The channel's name: 1 to 256 characters, no control characters.</param>
    /// <param name="value">The value; its JSON is the event's data.</param>
    /// <param name="typeInfo">The value's contract, for example <c>AppJsonContext.Default.Order</c>.</param>
    /// <param name="eventName">The <c>event:</c> name, or <see langword="null"/> for a plain message.</param>
    /// <param name="cancellationToken">Cancels the publication before it has happened.</param>
    /// <returns>The id the hub gave the event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hub"/>, <paramref name="channel"/> or <paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a valid name, or <paramref name="eventName"/> contains CR or LF.</exception>
    public static ValueTask<string> PublishJsonAsync<T>(this ISseHub hub, string channel, T value, JsonTypeInfo<T> typeInfo, string? eventName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var sseEvent = SseEvent.FromData(JsonSerializer.Serialize(value, typeInfo));
        if (eventName is not null)
        {
            sseEvent = sseEvent.WithEvent(eventName);
        }

        return hub.PublishAsync(channel, sseEvent, cancellationToken);
    }
#pragma warning restore RS0026
}
