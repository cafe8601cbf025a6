using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;

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

/// <summary>JSON items: with the given contract, or (when it is null) the app's options of the stack that runs it.</summary>
internal sealed class SseJsonSource<T>(IAsyncEnumerable<T> items, SseJsonFields<T> fields, JsonTypeInfo<T>? typeInfo) : SseSource
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Without a JsonTypeInfo only the Json overloads annotated RequiresUnreferencedCode create this source.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Without a JsonTypeInfo only the Json overloads annotated RequiresDynamicCode create this source.")]
    public override Task RunAsync(SseStream stream)
    {
        // Controllers are configured with AddControllers().AddJsonOptions(...), minimal APIs with
        // ConfigureHttpJsonOptions(...): each result honors the options of the stack that returned it.
        var contract = typeInfo ?? SseJsonTypeInfos.Get<T>(SseJsonTypeInfos.ForStream(stream.Context.RequestServices, stream.FromMvc));
        return stream.RunAsync(items, new SseJsonItemWriter<T>(contract, fields));
    }
}
