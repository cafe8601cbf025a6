using System.Diagnostics.Metrics;

namespace Tako.Sse.Mvc;

/// <summary>
/// Who may subscribe, on the package's <c>Tako.Sse.Mvc</c> meter: subscriptions refused before their stream
/// opened, and channels a re-check took away from an open stream (<see cref="SseChannelOptions.ReauthorizeInterval"/>),
/// both tagged <c>reason</c> (<see cref="SseSubscriptionRefusal"/>'s constants).
/// </summary>
internal sealed class SseSubscriptionRefusalMetrics
{
    private static readonly Lazy<SseSubscriptionRefusalMetrics> s_fallback = new(() => new SseSubscriptionRefusalMetrics(new Meter(SseMetrics.MeterName)));

    private readonly Counter<long> _refused;
    private readonly Counter<long> _revoked;

    public SseSubscriptionRefusalMetrics(IMeterFactory meterFactory)
        : this(meterFactory.Create(SseMetrics.MeterName))
    {
    }

    private SseSubscriptionRefusalMetrics(Meter meter)
    {
        _refused = meter.CreateCounter<long>(
            "tako.sse.channel.subscriptions_refused",
            "{subscription}",
            "Channel subscriptions refused before their stream opened, by reason (user_channel, authorizer, authorizer_failed, bad_list).");
        _revoked = meter.CreateCounter<long>(
            "tako.sse.channel.revoked",
            "{channel}",
            "Channels taken away from open streams by a re-check, by reason (user_channel, authorizer).");
    }

    /// <summary>Gets the instance used when <c>AddTakoSse</c> was not called (a process-wide meter).</summary>
    public static SseSubscriptionRefusalMetrics Fallback => s_fallback.Value;

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Revoked(string reason) => _revoked.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
