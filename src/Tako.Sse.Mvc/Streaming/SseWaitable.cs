using System.Threading.Tasks.Sources;

namespace Tako.Sse.Mvc;

/// <summary>
/// The one reusable awaitable of the package, for an object with at most one waiter at a time: a stream's
/// <see cref="SseStreamWakeSignal"/> and a channel's <see cref="SseSubscriber"/> derive from it, so a wait
/// allocates nothing. The waiter always resumes on the thread pool, never on the thread that completes it (a
/// producer, a publisher, the clock or a canceller), which gets its thread back at once.
/// </summary>
/// <typeparam name="T">What a wait returns.</typeparam>
/// <remarks>
/// Each <see cref="Wait"/> is completed by exactly one <see cref="Complete"/> and awaited exactly once; the
/// derived type decides, under its own lock, who waits and who completes.
/// </remarks>
internal abstract class SseWaitable<T> : IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core;

    protected SseWaitable()
    {
        // The hop costs one work item per wake-up (see docs/performance.md for what it costs end to end).
        _core.RunContinuationsAsynchronously = true;
    }

    T IValueTaskSource<T>.GetResult(short token) => OnResult(_core.GetResult(token));

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Starts a wait: the returned task completes at the next <see cref="Complete"/>.</summary>
    protected ValueTask<T> Wait()
    {
        _core.Reset();
        return new ValueTask<T>(this, _core.Version);
    }

    /// <summary>Completes the pending wait; the waiter resumes on the thread pool.</summary>
    protected void Complete(T result) => _core.SetResult(result);

    /// <summary>Turns the result a wait was completed with into what the waiter gets, on the waiter's thread.</summary>
    protected virtual T OnResult(T result) => result;
}
