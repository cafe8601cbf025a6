using System.Runtime.CompilerServices;

namespace Tako.Sse.Mvc.IntegrationTests.Resume;

/// <summary>
/// A live, append-only feed of numbered events, as a real app keeps one (in a database, a log): readers start
/// after any cursor and wait for what comes next. The test decides when events are published and when the
/// feed ends, so nothing depends on timing.
/// </summary>
public sealed class NumberFeed
{
    private readonly Lock _lock = new();
    private readonly List<long> _published = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completed;

    public void Publish(long from, long to)
    {
        lock (_lock)
        {
            for (var n = from; n <= to; n++)
            {
                _published.Add(n);
            }

            Signal();
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Signal();
        }
    }

    /// <summary>Every event after <paramref name="after"/>, now and as it is published, until the feed completes.</summary>
    public async IAsyncEnumerable<long> ReadAfterAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = 0;
        while (true)
        {
            long[] batch;
            bool completed;
            Task changed;
            lock (_lock)
            {
                batch = _published.Skip(next).ToArray();
                next = _published.Count;
                completed = _completed;
                changed = _changed.Task;
            }

            foreach (var n in batch.Where(n => n > after))
            {
                yield return n;
            }

            if (completed)
            {
                yield break;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
