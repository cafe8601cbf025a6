namespace Tako.Sse.Mvc.Benchmarks;

/// <summary>
/// Yields the items of an array synchronously, so SseFormatter is measured without a producer's cost: the
/// only allocation is one enumerator per batch.
/// </summary>
internal sealed class ArrayAsyncEnumerable<T>(T[] items) : IAsyncEnumerable<T>
{
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Enumerator(items);

    private sealed class Enumerator(T[] items) : IAsyncEnumerator<T>
    {
        private int _index = -1;

        public T Current => items[_index];

        public ValueTask<bool> MoveNextAsync() => ValueTask.FromResult(++_index < items.Length);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
