using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Applies the shared event-stream headers to any response that starts as <c>text/event-stream</c>, whoever
/// writes it, and leaves every other response alone.
/// </summary>
/// <remarks>
/// The content type is only known when the response starts, so the check runs in an
/// <see cref="HttpResponse.OnStarting(Func{object, Task}, object)"/> callback. The callback is one static
/// delegate and the state is the <see cref="HttpContext"/> itself, so a non-SSE request costs no allocation
/// here (Kestrel keeps its callback list per connection). The encoder is resolved only for event streams.
/// </remarks>
internal sealed class SseHeadersMiddleware
{
    private static readonly Func<object, Task> ApplyIfEventStreamCallback = ApplyIfEventStream;

    private static readonly ISseEncoder DefaultEncoder = new SseEncoder(Options.Create(new TakoSseOptions()));

    private readonly RequestDelegate _next;

    public SseHeadersMiddleware(RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        _next = next;
    }

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(ApplyIfEventStreamCallback, context);
        return _next(context);
    }

    /// <summary>
    /// <c>text/event-stream</c> in any case, alone or followed by parameters (<c>; charset=utf-8</c>).
    /// </summary>
    internal static bool IsEventStream(string? contentType)
    {
        const string EventStream = SseEncoder.EventStreamContentType;
        if (contentType is null || !contentType.StartsWith(EventStream, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == EventStream.Length || contentType[EventStream.Length] is ';' or ' ' or '\t';
    }

    /// <summary>
    /// Applies the encoder's headers, keeping the endpoint's own <c>Content-Type</c> (already an event stream)
    /// and <c>Cache-Control</c>. Safe to run on a response whose headers an <see cref="SseActionResult"/> has
    /// already applied: every header is set, never appended.
    /// </summary>
    internal static void Apply(HttpContext context, ISseEncoder encoder)
    {
        var response = context.Response;
        var headers = response.Headers;
        var contentType = headers.ContentType;
        var cacheControl = headers.CacheControl;

        encoder.ApplyHeaders(response);
        headers.ContentType = contentType;
        if (!string.IsNullOrEmpty(cacheControl))
        {
            headers.CacheControl = cacheControl;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private static Task ApplyIfEventStream(object state)
    {
        var context = (HttpContext)state;
        if (IsEventStream(context.Response.ContentType))
        {
            Apply(context, context.RequestServices?.GetService<ISseEncoder>() ?? DefaultEncoder);
        }

        return Task.CompletedTask;
    }
}
