using System.Threading.Tasks.Sources;

namespace Tako.Sse.Mvc;

/// <summary>
/// One request's subscription to one channel, read by the stream loop as an async enumerator of frames: first
/// an opening gap event or the frames missed since <c>Last-Event-ID</c> (a snapshot of the history taken under
/// the channel's lock), then live frames from a bounded queue.
/// </summary>
/// <remarks>
/// <para>
/// Publishers only ever enqueue under this subscriber's lock and never wait for it. A waiting reader is woken
/// through a <see cref="ManualResetValueTaskSourceCore{TResult}"/> that runs continuations asynchronously, so
/// the stream loop resumes on the thread pool, never on a publisher's thread.
/// </para>
/// <para>
/// The missed frames do not count against the queue's bound: they are the history's frames, already in memory,
/// and a resume after a long outage must not trip the slow-subscriber policy before the first write.
/// </para>
/// </remarks>
internal sealed partial class SseSubscriber : IAsyncEnumerator<SseChannelFrame>, IValueTaskSource<bool>
{
    private readonly Lock _gate = new();

    // Orders an abort against the end of the request: taken to abort, and to mark the subscriber disposed.
    // Kestrel reuses an HttpContext for the next request on the connection, so an abort that ran after the
    // subscription's request had finished could hit an unrelated request. Disposal happens before the
    // request finishes, and an abort only runs before disposal. Separate from _gate so the abort never runs
    // under the lock publishers take.
    private readonly Lock _abortGate = new();
    private readonly SseChannelHub _hub;
    private readonly SseSubscriberQueue _queue;
    private readonly Action _abort;
    private ManualResetValueTaskSourceCore<bool> _core;
    private SseChannelFrame? _opening;
    private SseChannelFrame[]? _missed;
    private int _missedTaken;
    private long _dropped;
    private string? _lastDroppedId;
    private string? _lastDeliveredId;
    private bool _waiting;
    private bool _ended;
    private bool _held; // see SseSubscriber.Backplane.cs
    private bool _disposed;
    private CancellationTokenRegistration _cancellation;

    public SseSubscriber(SseChannelHub hub, SseChannel channel, Action abort, SseChannelFrame? opening, SseChannelFrame[]? missed)
    {
        _hub = hub;
        Channel = channel;
        _abort = abort;
        _opening = opening;
        _missed = missed is { Length: > 0 } ? missed : null;
        _queue = new SseSubscriberQueue(hub.Options.SubscriberQueueSize);
        _core.RunContinuationsAsynchronously = true;
    }

    public SseChannel Channel { get; }

    /// <summary>Gets or sets the position in the channel's subscriber list; -1 once removed. Guarded by the channel's lock.</summary>
    public int Index { get; set; } = -1;

    public SseChannelFrame Current { get; private set; } = null!;

    /// <summary>Ends the subscription (its reader gets no more frames) when <paramref name="token"/> fires.</summary>
    public void EndOn(CancellationToken token) =>
        _cancellation = token.UnsafeRegister(static state => ((SseSubscriber)state!).End(), this);

    /// <summary>
    /// Queues a frame; called by the channel under its lock. False when the queue is full and the policy is
    /// <see cref="SseSlowSubscriberPolicy.Disconnect"/>: the subscriber has then ended, and the caller removes
    /// it and calls <see cref="Disconnect"/> once it has released the channel's lock.
    /// </summary>
    public bool TryEnqueue(SseChannelFrame frame)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return true;
            }

            if (_queue.IsFull)
            {
                if (_hub.Options.SlowSubscriberPolicy == SseSlowSubscriberPolicy.Disconnect)
                {
                    _ended = true;
                    _queue.Clear();
                    return false;
                }

                // The dropped frames sit just before the oldest one still queued, so the gap event goes out
                // before it: the reader sees the run of frames it got, a gap, then frames that follow on.
                _lastDroppedId = _queue.Dequeue().Id;
                _dropped++;
                _hub.Metrics.Dropped();
            }

            _queue.Enqueue(frame);
            if (!_held)
            {
                Wake(true);
            }

            return true;
        }
    }

    /// <summary>Aborts the response of a subscriber that <see cref="TryEnqueue"/> refused, off the publisher's thread.</summary>
    public void Disconnect() =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static subscriber =>
            {
                // Abort, not a graceful end: the reader may be stuck in a write the client never takes, and a
                // graceful end would wait for that write. Aborting also fires RequestAborted, which ends the loop.
                lock (subscriber._abortGate)
                {
                    if (!subscriber._disposed)
                    {
                        subscriber._abort();
                    }
                }

                subscriber.End();
            },
            this,
            preferLocal: false);

    public ValueTask<bool> MoveNextAsync()
    {
        lock (_gate)
        {
            if (TryTake())
            {
                return new ValueTask<bool>(true);
            }

            if (_ended)
            {
                return new ValueTask<bool>(false);
            }

            _core.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _core.Version);
        }
    }

    public ValueTask DisposeAsync()
    {
        bool first;
        lock (_abortGate)
        {
            first = !_disposed;
            _disposed = true;
        }

        if (first)
        {
            _cancellation.Dispose();
            End();
            _hub.Unsubscribe(this);
        }

        return ValueTask.CompletedTask;
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        if (!_core.GetResult(token))
        {
            return false;
        }

        lock (_gate)
        {
            return TryTake();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void End()
    {
        lock (_gate)
        {
            _ended = true;
            _queue.Clear();
            Wake(false);
        }
    }

    private void Wake(bool result)
    {
        if (_waiting)
        {
            _waiting = false;
            _core.SetResult(result);
        }
    }

    // Under the lock: the next frame for the reader, in the order opening gap, missed frames, gap for dropped
    // frames, queued frames.
    private bool TryTake()
    {
        if (_ended || _held)
        {
            return false;
        }

        if (_opening is { } opening)
        {
            _opening = null;
            Current = opening;
            return true;
        }

        if (_missed is { } missed)
        {
            var frame = missed[_missedTaken];
            missed[_missedTaken++] = null!;
            if (_missedTaken == missed.Length)
            {
                _missed = null;
            }

            Deliver(frame);
            return true;
        }

        if (_dropped > 0)
        {
            Current = _hub.Gaps.Create(_lastDeliveredId, SseGapFrames.Dropped, _lastDroppedId!, _dropped);
            _hub.Metrics.GapSent(SseGapFrames.Dropped);
            Log.EventsDropped(_hub.Logger, Channel.Name, _dropped);
            _dropped = 0;
            return true;
        }

        if (_queue.Count > 0)
        {
            Deliver(_queue.Dequeue());
            return true;
        }

        return false;
    }

    private void Deliver(SseChannelFrame frame)
    {
        Current = frame;
        _lastDeliveredId = frame.Id;
        _hub.Metrics.Delivered();
    }
}
