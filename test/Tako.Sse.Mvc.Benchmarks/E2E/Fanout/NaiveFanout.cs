using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The fan-out an application writes today without channels: a <see cref="Channel{T}"/> per request, kept in
/// a dictionary, filled by the publisher with one write per subscriber, each read by its own
/// <c>TypedResults.ServerSentEvents</c> response (which encodes every event again for every subscriber).
/// Unbounded, as in most write-ups: a stuck reader grows its queue instead of stalling the others.
/// </summary>
public sealed class NaiveFanout
{
    private readonly ConcurrentDictionary<long, Channel<SseItem<string>>> _subscribers = new();
    private long _lastId;

    public int Count => _subscribers.Count;

    public async IAsyncEnumerable<SseItem<string>> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _lastId);
        var channel = Channel.CreateUnbounded<SseItem<string>>(new UnboundedChannelOptions { SingleReader = true });
        _subscribers[id] = channel;
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }

    public void Publish(SseItem<string> item)
    {
        foreach (var subscriber in _subscribers)
        {
            subscriber.Value.Writer.TryWrite(item);
        }
    }
}
