using System.Threading.Tasks.Sources;

namespace Tako.Sse.Mvc;

/// <summary>
/// The one reusable awaitable of the package, for an object with at most one waiter at a time: a stream's
/// <see cref="SseStreamWakeSignal"/> and a channel's <see cref="SseSubscriber"/> derive from it, so a wait
/// allocates nothing. The waiter resumes on the thread pool, never on the thread that completes it (a producer,
/// a publisher, the clock or a canceller), which gets its thread back at once; the one exception is a stream's
/// own wake signal waiting on a channel subscriber (see <c>OnCompleted</c>).
/// </summary>
/// <typeparam name="T">What a wait returns.</typeparam>
/// <remarks>
/// Each <see cref="Wait"/> is completed by exactly one <see cref="Complete"/> and awaited exactly once; the
/// derived type decides, under its own lock, who waits and who completes.
/// </remarks>
internal abstract class SseWaitable<T> : IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core;

    T IValueTaskSource<T>.GetResult(short token) => OnResult(_core.GetResult(token));

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        // A stream loop waiting on a channel subscriber registers its wake signal's callback (the awaiter passes
        // the Action as the state). That callback only takes the signal's lock and queues the loop itself to the
        // thread pool, so it runs inline on the completing thread: one hop per wake instead of two, which at
        // 5,000 subscribers per event is half the work items of a fan-out. Any other waiter is queued.
        _core.RunContinuationsAsynchronously = state is not Action { Target: SseStreamWakeSignal };
        _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>Starts a wait: the returned task completes at the next <see cref="Complete"/>.</summary>
    protected ValueTask<T> Wait()
    {
        _core.Reset();
        return new ValueTask<T>(this, _core.Version);
    }

    /// <summary>Completes the pending wait; the waiter resumes on the thread pool (a wake signal's callback inline).</summary>
    protected void Complete(T result) => _core.SetResult(result);

    /// <summary>Turns the result a wait was completed with into what the waiter gets, on the waiter's thread.</summary>
    protected virtual T OnResult(T result) => result;
}
