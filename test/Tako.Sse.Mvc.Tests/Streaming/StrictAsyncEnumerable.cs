using System.Threading.Tasks.Sources;

namespace Tako.Sse.Mvc.Tests.Streaming;

/// <summary>
/// A source whose <c>MoveNextAsync</c> results are pooled value tasks that fail the test if they are
/// consumed twice (two continuations, two results, or a result after the next call), and whose
/// <c>DisposeAsync</c> fails if a <c>MoveNextAsync</c> is still running. Items arrive when the test says.
/// </summary>
internal sealed class StrictAsyncEnumerable : IAsyncEnumerable<SseEvent>, IAsyncEnumerator<SseEvent>, IValueTaskSource<bool>
{
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _pending;
    private bool _continuationSet;
    private bool _resultTaken;
    private int _produced;

    public List<string> Violations { get; } = [];

    public CancellationToken Token { get; private set; }

    public bool Disposed { get; private set; }

    public bool IsPending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    public SseEvent Current { get; private set; }

    public IAsyncEnumerator<SseEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        Token = cancellationToken;
        return this;
    }

    public ValueTask<bool> MoveNextAsync()
    {
        lock (_gate)
        {
            if (_pending || (_produced > 0 && !_resultTaken))
            {
                Violations.Add("MoveNextAsync before the previous result was consumed");
            }

            _core.Reset();
            _pending = true;
            _continuationSet = false;
            _resultTaken = false;
            return new ValueTask<bool>(this, _core.Version);
        }
    }

    /// <summary>Completes the pending MoveNextAsync with an item (or with the end when <paramref name="data"/> is null).</summary>
    public void Produce(string? data)
    {
        lock (_gate)
        {
            _pending = false;
            _produced++;
            if (data is not null)
            {
                Current = SseEvent.FromData(data);
            }
        }

        _core.SetResult(data is not null);
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_pending)
            {
                Violations.Add("DisposeAsync during MoveNextAsync");
            }

            Disposed = true;
        }

        return ValueTask.CompletedTask;
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        lock (_gate)
        {
            if (_resultTaken)
            {
                Violations.Add("GetResult twice");
            }

            _resultTaken = true;
        }

        return _core.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        lock (_gate)
        {
            if (_continuationSet)
            {
                Violations.Add("OnCompleted twice");
            }

            _continuationSet = true;
        }

        _core.OnCompleted(continuation, state, token, flags);
    }
}
