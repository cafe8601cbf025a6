using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc;

/// <summary>
/// An action result that streams Server-Sent Events (<c>text/event-stream</c>) from an
/// <see cref="IAsyncEnumerable{T}"/>. Return it from a controller action, or from a minimal API endpoint.
/// </summary>
/// <remarks>
/// <para>
/// The response starts at once with <c>200 OK</c> and the proxy-safe headers of the shared
/// <see cref="ISseEncoder"/>, before the source yields anything. Each event reaches the client as soon as the
/// source has no more ready; a silent stream gets a keep-alive comment every <see cref="KeepAlive"/>.
/// </para>
/// <para>
/// The source's enumerator receives a cancellation token (use <c>[EnumeratorCancellation]</c>) that fires when
/// the client disconnects or the application stops; the response then ends at once and the enumerator is
/// disposed (a source that ignores its token is disposed when its pending <c>MoveNextAsync</c> returns; the
/// response waits for the source's <c>DisposeAsync</c> at most 5 seconds). A client that stops reading is
/// treated the same way once a write has waited <see cref="TakoSseOptions.WriteTimeout"/>.
/// If the source throws, the error is logged once and the response ends cleanly.
/// </para>
/// </remarks>
public sealed partial class SseActionResult : IActionResult, IResult, IEndpointMetadataProvider
{
    private static readonly string[] s_eventStreamContentTypes = [SseEncoder.EventStreamContentType];

    /// <summary>
    /// Creates a result that streams structured events: each item may carry a
    /// comment, an event name, an id, a retry hint and data.
    /// </summary>
    /// <param name="events">The events; enumerated once, when the result executes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> is <see langword="null"/>.</exception>
    public SseActionResult(IAsyncEnumerable<SseEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Source = new SseEventSource(events);
    }

    /// <summary>
    /// Creates a result that streams raw UTF-8 chunks: each chunk becomes one event of <c>data:</c> lines. Line
    /// breaks inside a chunk start new <c>data:</c> lines, so untrusted bytes cannot inject fields or events.
    /// </summary>
    /// <param name="chunks">The chunks; enumerated once, when the result executes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="chunks"/> is <see langword="null"/>.</exception>
    public SseActionResult(IAsyncEnumerable<ReadOnlyMemory<byte>> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        Source = new SseRawSource(chunks);
    }

    private SseActionResult(SseSource source) => Source = source;

    /// <summary>
    /// Gets or sets how long this stream may stay silent before a keep-alive comment is written, overriding
    /// <see cref="TakoSseOptions.KeepAlive"/>. <see langword="null"/> (the default) uses the option; zero or a
    /// negative value turns keep-alive off for this result.
    /// </summary>
    public TimeSpan? KeepAlive { get; set; }

    internal SseSource Source { get; }

    // RS0026 guards shipped overloads against ambiguous calls when optional parameters are added. These two
    // differ in the type of the second parameter (a name or a selector), so only a literal null is ambiguous,
    // and no version has shipped yet.
#pragma warning disable RS0026
    /// <summary>
    /// Creates a result that serializes each item to JSON with System.Text.Json and sends it as the data of one
    /// event. Controllers use MVC's options (<c>AddControllers().AddJsonOptions(…)</c>); minimal APIs use
    /// <c>ConfigureHttpJsonOptions(…)</c>.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; enumerated once, when the result executes.</param>
    /// <param name="eventName">The <c>event:</c> name of every event, or <see langword="null"/> for plain messages.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> contains CR, LF or a lone surrogate.</exception>
    [RequiresUnreferencedCode(SseJsonTypeInfos.ReflectionMessage)]
    [RequiresDynamicCode(SseJsonTypeInfos.ReflectionMessage)]
    public static SseActionResult Json<T>(IAsyncEnumerable<T> items, string? eventName = null)
        => CreateJson(items, null, eventName);

    /// <summary>
    /// Creates a result that serializes each item to JSON, as <see cref="Json{T}(IAsyncEnumerable{T}, string?)"/>
    /// does, and gives each event the id <paramref name="idSelector"/> picks from its item, so that a browser that
    /// reconnects sends it back as <c>Last-Event-ID</c> and the stream can resume after it.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; enumerated once, when the result executes.</param>
    /// <param name="idSelector">
    /// Picks the <c>id:</c> of an item's event, or <see langword="null"/> for an event without one. An id that
    /// contains CR, LF or NUL ends the stream (logged as a write failure) before that item is written.
    /// </param>
    /// <param name="eventName">The <c>event:</c> name of every event, or <see langword="null"/> for plain messages.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> or <paramref name="idSelector"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> contains CR or LF.</exception>
    [RequiresUnreferencedCode(SseJsonTypeInfos.ReflectionMessage)]
    [RequiresDynamicCode(SseJsonTypeInfos.ReflectionMessage)]
    public static SseActionResult Json<T>(IAsyncEnumerable<T> items, Func<T, string?> idSelector, string? eventName = null)
        => CreateJson(items, null, idSelector, eventName);

#pragma warning restore RS0026

    /// <summary>
    /// Creates a result that serializes each item to JSON, as <see cref="Json{T}(IAsyncEnumerable{T}, string?)"/>
    /// does, with an id and an event name picked from each item: one stream can carry several kinds of event
    /// and still resume.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; enumerated once, when the result executes.</param>
    /// <param name="idSelector">
    /// Picks the <c>id:</c> of an item's event, or <see langword="null"/> for an event without one. An id that
    /// contains CR, LF or NUL ends the stream (logged as a write failure) before that item is written.
    /// </param>
    /// <param name="eventNameSelector">
    /// Picks the <c>event:</c> name of an item's event, or <see langword="null"/> for a plain message. A name that
    /// contains CR or LF ends the stream (logged as a write failure) before that item is written.
    /// </param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode(SseJsonTypeInfos.ReflectionMessage)]
    [RequiresDynamicCode(SseJsonTypeInfos.ReflectionMessage)]
    public static SseActionResult Json<T>(IAsyncEnumerable<T> items, Func<T, string?> idSelector, Func<T, string?> eventNameSelector)
        => CreateJson(items, null, idSelector, eventNameSelector);

#pragma warning disable RS0026 // As above: the second parameter's type tells the overloads apart.
    /// <summary>
    /// Creates a result that serializes each item to JSON with <paramref name="typeInfo"/> (from a source-generated
    /// <c>JsonSerializerContext</c>): trim- and Native-AOT-safe, whatever the app's JSON options are.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; enumerated once, when the result executes.</param>
    /// <param name="typeInfo">The item's contract, for example <c>AppJsonContext.Default.Order</c>.</param>
    /// <param name="eventName">The <c>event:</c> name of every event, or <see langword="null"/> for plain messages.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> or <paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> contains CR, LF or a lone surrogate.</exception>
    public static SseActionResult Json<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T> typeInfo, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return CreateJson(items, typeInfo, eventName);
    }

    /// <summary>
    /// Creates a result that serializes each item to JSON with <paramref name="typeInfo"/>, with the id
    /// <paramref name="idSelector"/> picks, as <see cref="Json{T}(IAsyncEnumerable{T}, Func{T, string?}, string?)"/> does.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; enumerated once, when the result executes.</param>
    /// <param name="typeInfo">The item's contract, for example <c>AppJsonContext.Default.Order</c>.</param>
    /// <param name="idSelector">Picks the <c>id:</c> of an item's event, or <see langword="null"/> for an event without one.</param>
    /// <param name="eventName">The <c>event:</c> name of every event, or <see langword="null"/> for plain messages.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="items"/>, <paramref name="typeInfo"/> or <paramref name="idSelector"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> contains CR or LF.</exception>
    public static SseActionResult Json<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T> typeInfo, Func<T, string?> idSelector, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return CreateJson(items, typeInfo, idSelector, eventName);
    }
#pragma warning restore RS0026

    /// <summary>
    /// Creates a result that serializes each item to JSON with <paramref name="typeInfo"/>, with an id and an event
    /// name picked from each item, as <see cref="Json{T}(IAsyncEnumerable{T}, Func{T, string?}, Func{T, string?})"/> does.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; enumerated once, when the result executes.</param>
    /// <param name="typeInfo">The item's contract, for example <c>AppJsonContext.Default.Order</c>.</param>
    /// <param name="idSelector">Picks the <c>id:</c> of an item's event, or <see langword="null"/> for an event without one.</param>
    /// <param name="eventNameSelector">Picks the <c>event:</c> name of an item's event, or <see langword="null"/> for a plain message.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static SseActionResult Json<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T> typeInfo, Func<T, string?> idSelector, Func<T, string?> eventNameSelector)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return CreateJson(items, typeInfo, idSelector, eventNameSelector);
    }

    /// <summary>Streams the events through the <see cref="IActionResultExecutor{TResult}"/> registered in DI.</summary>
    /// <param name="context">The action context.</param>
    /// <returns>A task that completes when the stream has ended.</returns>
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.HttpContext.RequestServices;
        var executor = services.GetService<IActionResultExecutor<SseActionResult>>() ?? SseActionResultExecutor.CreateFallback(services);
        return executor.ExecuteAsync(context, this);
    }

    /// <summary>
    /// Streams the events from a minimal API endpoint, through the <see cref="IActionResultExecutor{TResult}"/>
    /// registered in DI if the application registered its own.
    /// </summary>
    /// <param name="httpContext">The HTTP context.</param>
    /// <returns>A task that completes when the stream has ended.</returns>
    Task IResult.ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var services = httpContext.RequestServices;
        return services.GetService<IActionResultExecutor<SseActionResult>>() switch
        {
            // Ours: with minimal APIs' JSON options, not MVC's.
            SseActionResultExecutor ours => ours.ExecuteAsync(httpContext, this, fromMvc: false),

            // The application's own executor is honored here too, as MVC honors it for controllers.
            { } theirs => theirs.ExecuteAsync(new ActionContext(httpContext, httpContext.GetRouteData(), new ActionDescriptor()), this),
            null => SseActionResultExecutor.CreateFallback(services).ExecuteAsync(httpContext, this, fromMvc: false),
        };
    }

    /// <summary>Declares that the endpoint produces <c>200 text/event-stream</c>, for OpenAPI and ApiExplorer.</summary>
    /// <param name="method">The endpoint's method.</param>
    /// <param name="builder">The endpoint builder.</param>
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), s_eventStreamContentTypes));
    }

    private static SseActionResult CreateJson<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T>? typeInfo, string? eventName)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (eventName is null)
        {
            return new SseActionResult(new SseJsonSource<T>(items, SseJsonFields<T>.None, typeInfo));
        }

        SseEvent.ValidateEventName(eventName, nameof(eventName));
        return new SseActionResult(new SseJsonSource<T>(items, new SseJsonFields<T>(eventName, null, null), typeInfo));
    }

    private static SseActionResult CreateJson<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T>? typeInfo, Func<T, string?> idSelector, string? eventName)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(idSelector);
        if (eventName is not null)
        {
            SseEvent.ValidateEventName(eventName, nameof(eventName));
        }

        return new SseActionResult(new SseJsonSource<T>(items, new SseJsonFields<T>(eventName, null, idSelector), typeInfo));
    }

    private static SseActionResult CreateJson<T>(IAsyncEnumerable<T> items, JsonTypeInfo<T>? typeInfo, Func<T, string?> idSelector, Func<T, string?> eventNameSelector)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(idSelector);
        ArgumentNullException.ThrowIfNull(eventNameSelector);
        return new SseActionResult(new SseJsonSource<T>(items, new SseJsonFields<T>(null, eventNameSelector, idSelector), typeInfo));
    }
}
