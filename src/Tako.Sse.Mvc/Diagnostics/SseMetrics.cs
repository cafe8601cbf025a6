using System.Diagnostics.Metrics;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <c>Tako.Sse.Mvc</c> meter: open streams, what they sent, and the ones a write timeout or an expired credential
/// ended.
/// </summary>
internal sealed class SseMetrics
{
    public const string MeterName = "Tako.Sse.Mvc";

    private static readonly Lazy<SseMetrics> s_fallback = new(() => new SseMetrics(new Meter(MeterName)));

    private readonly UpDownCounter<long> _activeStreams;
    private readonly Counter<long> _eventsSent;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _keepAlivesSent;
    private readonly Counter<long> _writeTimeouts;
    private readonly Counter<long> _authenticationExpirations;

    public SseMetrics(IMeterFactory meterFactory)
        : this(meterFactory.Create(MeterName))
    {
    }

    private SseMetrics(Meter meter)
    {
        _activeStreams = meter.CreateUpDownCounter<long>("tako.sse.active_streams", "{stream}", "Number of SSE streams open now.");
        _eventsSent = meter.CreateCounter<long>("tako.sse.events_sent", "{event}", "Events written to SSE streams.");
        _bytesSent = meter.CreateCounter<long>("tako.sse.bytes_sent", "By", "Bytes of SSE frames written, keep-alives included.");
        _keepAlivesSent = meter.CreateCounter<long>("tako.sse.keepalives_sent", "{keepalive}", "Keep-alive comments written to idle SSE streams.");
        _writeTimeouts = meter.CreateCounter<long>("tako.sse.write_timeouts", "{stream}", "SSE streams ended because the client did not take a write within the write timeout.");
        _authenticationExpirations = meter.CreateCounter<long>("tako.sse.authentication_expirations", "{stream}", "SSE streams ended because the authentication of their request expired.");
    }

    /// <summary>Gets the instance used when <c>AddTakoSse</c> was not called (a process-wide meter).</summary>
    public static SseMetrics Fallback => s_fallback.Value;

    public void StreamStarted() => _activeStreams.Add(1);

    public void StreamEnded() => _activeStreams.Add(-1);

    public void Sent(long events, long bytes)
    {
        if (events > 0)
        {
            _eventsSent.Add(events);
        }

        if (bytes > 0)
        {
            _bytesSent.Add(bytes);
        }
    }

    public void KeepAliveSent() => _keepAlivesSent.Add(1);

    public void WriteTimedOut() => _writeTimeouts.Add(1);

    public void AuthenticationExpired() => _authenticationExpirations.Add(1);
}
