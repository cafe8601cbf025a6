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
public sealed class SseActionResult : IActionResult, IResult, IEndpointMetadataProvider
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
        => new(SseJsonSources.Create(items, null, eventName));

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
        => new(SseJsonSources.Create(items, null, idSelector, eventName));

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
        => new(SseJsonSources.Create(items, null, idSelector, eventNameSelector));

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
        return new SseActionResult(SseJsonSources.Create(items, typeInfo, eventName));
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
        return new SseActionResult(SseJsonSources.Create(items, typeInfo, idSelector, eventName));
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
        return new SseActionResult(SseJsonSources.Create(items, typeInfo, idSelector, eventNameSelector));
    }

    /// <summary>
    /// Creates a result that subscribes the request to a channel of the registered <see cref="ISseHub"/>: it
    /// streams what the client missed since <paramref name="lastEventId"/> (from the channel's history), then
    /// every event published to the channel while the response lasts. An id the history no longer holds gets a
    /// gap event first (<see cref="SseChannelOptions.GapEventName"/>), never an error status.
    /// </summary>
    /// <remarks>
    /// Who may subscribe is decided before the response starts. A user channel (a name whose last <c>#</c> is
    /// followed by user ids, such as <c>notifications#42</c>) is only for those users
    /// (<see cref="SseChannelOptions.UserIdClaimType"/>), and every <see cref="ISseChannelAuthorizer"/>
    /// registered must allow the channel. A refused request gets <c>401</c> (anonymous) or <c>403</c> (signed
    /// in), no event-stream header and no subscriber; an authorizer that throws makes it a <c>500</c>. A
    /// channel name taken from the route or query string needs one of those rules (or a check of your own).
    /// </remarks>
    /// <param name="channel">The channel's name: 1 to 256 characters, no control characters.</param>
    /// <param name="lastEventId">
    /// The client's <c>Last-Event-ID</c> (bind it with <c>[FromHeader(Name = "Last-Event-ID")] string?</c> or
    /// <c>[FromLastEventId]</c>), or <see langword="null"/> for live events only.
    /// </param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is empty, longer than 256 characters or contains a control character.</exception>
#pragma warning disable RS0026 // Two overloads with an optional lastEventId: DESIGN.md fixes both signatures.
    public static SseActionResult Subscribe(string channel, string? lastEventId = null)
    {
        SseChannelNames.Validate(channel, nameof(channel));
        return new SseActionResult(new SseChannelSource(channel, lastEventId));
    }

    /// <summary>
    /// Subscribes the request to several channels on one stream: every event published to any of them, with
    /// the name and data its publisher gave it. Each event's <c>id:</c> is the subscription's cursor, the
    /// position of every channel as of that event, so a reconnect with it resumes every channel exactly: each
    /// continues after its own position, or gets its own gap event (whose JSON names the <c>channel</c>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The list comes from the client, so what is wrong with it is the client's mistake: an empty list, a bad
    /// name, a duplicate or more than <see cref="SseChannelOptions.MaxChannelsPerSubscription"/> channels is
    /// answered with <c>400</c> and a problem-details body, before any stream. Every channel must pass the
    /// rules of <see cref="Subscribe(string, string?)"/> (user channels, authorizers); one refused channel
    /// refuses the request.
    /// </para>
    /// <para>
    /// Each channel's own order holds; no order is promised between two channels. A channel the cursor does
    /// not name joins live; channels the cursor names but the list does not are ignored; a cursor that is not
    /// one (malformed, or an id of a single channel) gives every channel a gap, never an error status.
    /// </para>
    /// </remarks>
    /// <param name="channels">The channels, in any order (for example <c>[FromQuery(Name = "channel")] string[]</c>).</param>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c> (the cursor), or <see langword="null"/> for live events only.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channels"/> is <see langword="null"/>.</exception>
    public static SseActionResult Subscribe(IEnumerable<string> channels, string? lastEventId = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        return new SseActionResult(new SseMultiChannelSource([.. channels], lastEventId));
    }
#pragma warning restore RS0026

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
}
