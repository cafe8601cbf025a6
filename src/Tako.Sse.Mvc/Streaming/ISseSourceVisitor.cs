namespace Tako.Sse.Mvc;

/// <summary>
/// Receives what an <see cref="SseSource"/> is made of, with its item type intact: the items, and the writer that
/// turns each one into frames. The stream is the visitor that runs them; the source never sees the stream.
/// </summary>
/// <typeparam name="TResult">What visiting returns (the stream's task).</typeparam>
internal interface ISseSourceVisitor<out TResult>
{
    TResult Visit<T, TItemWriter>(IAsyncEnumerable<T> items, TItemWriter itemWriter)
        where TItemWriter : ISseItemWriter<T>;
}
