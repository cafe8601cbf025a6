using BenchmarkDotNet.Attributes;

namespace Tako.Sse.Mvc.Benchmarks.Channels;

/// <summary>
/// The one ring (<see cref="SseFrameRing"/>, a struct) against the class that was the subscriber queue before it
/// (<see cref="ClassQueueBaseline"/>, kept here only as the baseline), on the two paths that matter: a subscriber
/// that keeps up (one frame in, one out, per publish) and one that falls behind (fill to the bound, then drain).
/// </summary>
/// <remarks><c>dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- --filter *FrameRing* --job short</c></remarks>
[MemoryDiagnoser]
public class FrameRingBenchmarks
{
    private const int Bound = 1024;
    private readonly SseChannelFrame _frame = new("e-1", 1, [], 0);
    private ClassQueueBaseline _classQueue = new(Bound);
    private SseFrameRing _ring = new(Bound);

    [GlobalSetup]
    public void Setup()
    {
        _classQueue = new ClassQueueBaseline(Bound);
        _ring = new SseFrameRing(Bound);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Bound)]
    public object? KeepingUp_ClassQueue()
    {
        SseChannelFrame? last = null;
        for (var i = 0; i < Bound; i++)
        {
            _classQueue.Enqueue(_frame);
            last = _classQueue.Dequeue();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Bound)]
    public object? KeepingUp_Ring()
    {
        SseChannelFrame? last = null;
        for (var i = 0; i < Bound; i++)
        {
            _ring.Enqueue(_frame);
            last = _ring.Dequeue();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Bound)]
    public object? FillAndDrain_ClassQueue()
    {
        while (!_classQueue.IsFull)
        {
            _classQueue.Enqueue(_frame);
        }

        SseChannelFrame? last = null;
        while (_classQueue.Count > 0)
        {
            last = _classQueue.Dequeue();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Bound)]
    public object? FillAndDrain_Ring()
    {
        while (!_ring.IsFull)
        {
            _ring.Enqueue(_frame);
        }

        SseChannelFrame? last = null;
        while (_ring.Count > 0)
        {
            last = _ring.Dequeue();
        }

        return last;
    }

    /// <summary>The subscriber queue as it was before <see cref="SseFrameRing"/> (commit d95fc3b): the baseline.</summary>
    internal sealed class ClassQueueBaseline(int capacity)
    {
        private SseChannelFrame?[] _items = [];
        private int _head;
        private int _count;

        public int Count => _count;

        public bool IsFull => _count >= capacity;

        public void Enqueue(SseChannelFrame frame)
        {
            if (_count == _items.Length)
            {
                Grow(Math.Min(capacity, _items.Length == 0 ? 4 : _items.Length * 2));
            }

            _items[(_head + _count) % _items.Length] = frame;
            _count++;
        }

        public SseChannelFrame Dequeue()
        {
            var frame = _items[_head]!;
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
            return frame;
        }

        private void Grow(int size)
        {
            var items = new SseChannelFrame?[size];
            for (var i = 0; i < _count; i++)
            {
                items[i] = _items[(_head + i) % _items.Length];
            }

            _items = items;
            _head = 0;
        }
    }
}
