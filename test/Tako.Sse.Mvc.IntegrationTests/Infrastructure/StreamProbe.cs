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
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _inlineGates = new();
    private readonly ConcurrentDictionary<string, ManualResetEventSlim> _blocks = new();
    private readonly ConcurrentBag<WeakReference> _contexts = [];

    /// <summary>Completes when the test opens the gate <paramref name="name"/>; deliberately ignores cancellation.</summary>
    public Task Gate(string name) => GetGate(name).Task;

    public void Open(string name) => GetGate(name).TrySetResult();

    /// <summary>
    /// A gate whose opener runs the waiter's continuation inline (no RunContinuationsAsynchronously), as most
    /// producer code does: opening it on a thread makes the woken source run on that thread.
    /// </summary>
    public Task InlineGate(string name) => _inlineGates.GetOrAdd(name, static _ => new TaskCompletionSource()).Task;

    /// <summary>Opens <see cref="InlineGate"/>; returns once the continuations it ran inline have returned.</summary>
    public bool OpenInline(string name) => _inlineGates.GetOrAdd(name, static _ => new TaskCompletionSource()).TrySetResult();

    /// <summary>Blocks the calling thread until the test calls <see cref="Unblock"/> (a source that blocks its caller).</summary>
    public void Block(string name) => _blocks.GetOrAdd(name, static _ => new ManualResetEventSlim()).Wait(Poll.Deadline * 3);

    public void Unblock(string name) => _blocks.GetOrAdd(name, static _ => new ManualResetEventSlim()).Set();

    /// <summary>Remembers a request's context weakly, so a test can see whether anything still holds it.</summary>
    public void TrackContext(object context) => _contexts.Add(new WeakReference(context));

    public int TrackedContexts => _contexts.Count;

    /// <summary>Collects garbage and counts the tracked contexts still reachable.</summary>
    public int LiveContextsAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return _contexts.Count(c => c.IsAlive);
    }

    public void Mark(string name) => _marks.AddOrUpdate(name, 1, static (_, n) => n + 1);

    public int Count(string name) => _marks.GetValueOrDefault(name);

    /// <summary>Waits (polling, bounded by <see cref="Poll.Deadline"/>) until <paramref name="name"/> was marked <paramref name="count"/> times.</summary>
    public Task WaitForAsync(string name, int count = 1) => Poll.UntilAsync(() => Count(name) >= count, $"mark '{name}' x{count} (have {Count(name)})");

    private TaskCompletionSource GetGate(string name) =>
        _gates.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
