using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// The source of an <see cref="SseActionResult"/>: items of some type and the writer that frames them. A new
/// kind of source (pre-encoded frames, say) is a new subclass and, if its items need it, a new
/// <see cref="ISseItemWriter{T}"/>; the stream does not change.
/// </summary>
internal abstract class SseSource
{
    /// <summary>
    /// Hands the items and their writer to <paramref name="visitor"/>. <paramref name="fromMvc"/> picks MVC's
    /// JSON options over minimal APIs' ones, for sources that serialize.
    /// </summary>
    public abstract TResult Accept<TResult>(ISseSourceVisitor<TResult> visitor, HttpContext context, bool fromMvc);
}

internal sealed class SseEventSource(IAsyncEnumerable<SseEvent> events) : SseSource
{
    public override TResult Accept<TResult>(ISseSourceVisitor<TResult> visitor, HttpContext context, bool fromMvc) =>
        visitor.Visit(events, default(SseEventItemWriter));
}

internal sealed class SseRawSource(IAsyncEnumerable<ReadOnlyMemory<byte>> chunks) : SseSource
{
    public override TResult Accept<TResult>(ISseSourceVisitor<TResult> visitor, HttpContext context, bool fromMvc) =>
        visitor.Visit(chunks, default(SseRawItemWriter));
}

internal sealed class SseJsonSource<T>(IAsyncEnumerable<T> items, SseJsonFields<T> fields) : SseSource
{
    public override TResult Accept<TResult>(ISseSourceVisitor<TResult> visitor, HttpContext context, bool fromMvc)
    {
        var services = context.RequestServices;

        // Controllers are configured with AddControllers().AddJsonOptions(...), minimal APIs with
        // ConfigureHttpJsonOptions(...): each result honors the options of the stack that returned it.
        var options = fromMvc
            ? services.GetService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>()?.Value.JsonSerializerOptions
            : services.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions;
        return visitor.Visit(items, new SseJsonItemWriter<T>(options ?? JsonSerializerOptions.Web, fields));
    }
}
