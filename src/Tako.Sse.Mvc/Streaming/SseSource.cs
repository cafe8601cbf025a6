using System.Text.Json;
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
    /// <summary>Runs <paramref name="stream"/> on the items and their writer, with the item type intact.</summary>
    public abstract Task RunAsync(SseStream stream);
}

internal sealed class SseEventSource(IAsyncEnumerable<SseEvent> events) : SseSource
{
    public override Task RunAsync(SseStream stream) => stream.RunAsync(events, default(SseEventItemWriter));
}

internal sealed class SseRawSource(IAsyncEnumerable<ReadOnlyMemory<byte>> chunks) : SseSource
{
    public override Task RunAsync(SseStream stream) => stream.RunAsync(chunks, default(SseRawItemWriter));
}

internal sealed class SseJsonSource<T>(IAsyncEnumerable<T> items, SseJsonFields<T> fields) : SseSource
{
    public override Task RunAsync(SseStream stream)
    {
        var services = stream.Context.RequestServices;

        // Controllers are configured with AddControllers().AddJsonOptions(...), minimal APIs with
        // ConfigureHttpJsonOptions(...): each result honors the options of the stack that returned it.
        var options = stream.FromMvc
            ? services.GetService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>()?.Value.JsonSerializerOptions
            : services.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions;
        return stream.RunAsync(items, new SseJsonItemWriter<T>(options ?? JsonSerializerOptions.Web, fields));
    }
}
