using System.Collections.Concurrent;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>
/// A per-app singleton through which test sources and tests talk: sources wait on named gates the test
/// opens, and count named marks (cancelled, disposed, ...) the test waits for.
/// </summary>
public sealed class StreamProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, int> _marks = new();

    /// <summary>Completes when the test opens the gate <paramref name="name"/>; deliberately ignores cancellation.</summary>
    public Task Gate(string name) => GetGate(name).Task;

    public void Open(string name) => GetGate(name).TrySetResult();

    public void Mark(string name) => _marks.AddOrUpdate(name, 1, static (_, n) => n + 1);

    public int Count(string name) => _marks.GetValueOrDefault(name);

    /// <summary>Waits (polling, bounded by <see cref="SseReader.Deadline"/>) until <paramref name="name"/> was marked <paramref name="count"/> times.</summary>
    public Task WaitForAsync(string name, int count = 1) => Poll.UntilAsync(() => Count(name) >= count, $"mark '{name}' x{count} (have {Count(name)})");

    private TaskCompletionSource GetGate(string name) =>
        _gates.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
