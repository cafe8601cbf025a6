using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>The source of an <see cref="SseActionResult"/>, kept generic down to the per-item write.</summary>
internal abstract class SseSource
{
    /// <summary>Runs the stream. <paramref name="fromMvc"/> picks MVC's JSON options over minimal APIs' ones.</summary>
    public abstract Task RunAsync(SseStream stream, HttpContext context, bool fromMvc);
}

internal sealed class SseEventSource(IAsyncEnumerable<SseEvent> events) : SseSource
{
    public override Task RunAsync(SseStream stream, HttpContext context, bool fromMvc) =>
        stream.RunAsync(events, default(SseEventItemWriter));
}

internal sealed class SseRawSource(IAsyncEnumerable<ReadOnlyMemory<byte>> chunks) : SseSource
{
    public override Task RunAsync(SseStream stream, HttpContext context, bool fromMvc) =>
        stream.RunAsync(chunks, default(SseRawItemWriter));
}

internal sealed class SseJsonSource<T>(IAsyncEnumerable<T> items, SseJsonFields<T> fields) : SseSource
{
    public override Task RunAsync(SseStream stream, HttpContext context, bool fromMvc)
    {
        var services = context.RequestServices;

        // Controllers are configured with AddControllers().AddJsonOptions(...), minimal APIs with
        // ConfigureHttpJsonOptions(...): each result honors the options of the stack that returned it.
        var options = fromMvc
            ? services.GetService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>()?.Value.JsonSerializerOptions
            : services.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions;
        return stream.RunAsync(items, new SseJsonItemWriter<T>(options ?? JsonSerializerOptions.Web, fields));
    }
}
