using System.Diagnostics.Metrics;

namespace Tako.Sse.Mvc;

/// <summary>
/// The channels' instruments, on the package's <c>Tako.Sse.Mvc</c> meter (<see cref="IMeterFactory"/> hands
/// out the one meter of that name, shared with <see cref="SseMetrics"/>).
/// </summary>
internal sealed class SseChannelMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _resumed;
    private readonly Counter<long> _gaps;
    private readonly Counter<long> _slowDisconnected;
    private readonly Counter<long> _dropped;

    public SseChannelMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(SseMetrics.MeterName);
        _published = meter.CreateCounter<long>("tako.sse.channel.published", "{event}", "Events published to channels.");
        _delivered = meter.CreateCounter<long>("tako.sse.channel.delivered", "{event}", "Channel events handed to subscribers' responses (one per subscriber).");
        _subscribers = meter.CreateUpDownCounter<long>("tako.sse.channel.subscribers", "{subscriber}", "Requests subscribed to a channel now.");
        _resumed = meter.CreateCounter<long>("tako.sse.channel.resumed", "{subscription}", "Subscriptions that resumed from the history after Last-Event-ID.");
        _gaps = meter.CreateCounter<long>("tako.sse.channel.gaps_sent", "{event}", "Gap events sent, by reason (expired, unknown, dropped).");
        _slowDisconnected = meter.CreateCounter<long>("tako.sse.channel.slow_disconnected", "{subscriber}", "Subscribers disconnected because their queue was full.");
        _dropped = meter.CreateCounter<long>("tako.sse.channel.dropped", "{event}", "Events dropped from full subscriber queues (DropOldest).");
    }

    public void Published() => _published.Add(1);

    public void Delivered() => _delivered.Add(1);

    public void SubscriberAdded() => _subscribers.Add(1);

    public void SubscriberRemoved() => _subscribers.Add(-1);

    public void Resumed() => _resumed.Add(1);

    public void GapSent(string reason) => _gaps.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SlowDisconnected() => _slowDisconnected.Add(1);

    public void Dropped() => _dropped.Add(1);
}
