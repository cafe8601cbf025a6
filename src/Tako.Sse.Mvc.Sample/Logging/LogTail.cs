using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Tako.Sse.Mvc.Sample.Logging;

/// <summary>
/// Fans the application's log entries out to every open <c>/logs</c> stream. Memory stays bounded: a short
/// history for newcomers, and a bounded queue per subscriber that drops its oldest entries when the reader is
/// slower than the log.
/// </summary>
public sealed class LogTail
{
    // What a page sees at once when it opens the tail, before live entries arrive.
    internal const int HistorySize = 20;

    // A subscriber that falls this far behind loses its oldest entries rather than growing without limit.
    internal const int SubscriberCapacity = 256;

    private readonly Lock _gate = new();
    private readonly Queue<LogEntry> _history = new(HistorySize);
    private readonly List<ChannelWriter<LogEntry>> _subscribers = [];

    /// <summary>Sends <paramref name="entry"/> to every subscriber and keeps it in the history.</summary>
    /// <param name="entry">The entry.</param>
    public void Publish(LogEntry entry)
    {
        lock (_gate)
        {
            if (_history.Count == HistorySize)
            {
                _history.Dequeue();
            }

            _history.Enqueue(entry);
            foreach (var subscriber in _subscribers)
            {
                // A bounded DropOldest channel always accepts the write.
                subscriber.TryWrite(entry);
            }
        }
    }

    /// <summary>The recent history, then every new entry as it is logged, until <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Ends the tail; the SSE stream passes the client's disconnect here.</param>
    /// <returns>The entries.</returns>
    public async IAsyncEnumerable<LogEntry> FollowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        LogEntry[] backlog;
        lock (_gate)
        {
            backlog = [.. _history];
            _subscribers.Add(channel.Writer);
        }

        try
        {
            foreach (var entry in backlog)
            {
                yield return entry;
            }

            await foreach (var entry in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return entry;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel.Writer);
            }
        }
    }
}
