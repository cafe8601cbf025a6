namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// Counts, over one window of the fan-out run, the writes that carry events to a side's responses (a flush of
/// the response's pipe each), so the run can say how many frames a write carries: what the CPU per delivery of
/// a fan-out follows most, as every write costs a send to the socket whatever it holds.
/// </summary>
internal abstract class FanoutWrites : IDisposable
{
    /// <summary>Gets the writes since the counter started.</summary>
    public abstract long Count { get; }

    public virtual void Dispose()
    {
    }

    /// <summary>Ours: a stream records <c>tako.sse.events_sent</c> once per flush that carries events.</summary>
    public sealed class OfStreams : FanoutWrites
    {
        private readonly ServerSideProbe.MeterSum _sent = ServerSideProbe.MeterSum.EventWrites();

        public override long Count => _sent.Count;

        public override void Dispose() => _sent.Dispose();
    }

    /// <summary>The bare ring: it counts its own flushes.</summary>
    public sealed class OfBareRing(BareRingFanout bare) : FanoutWrites
    {
        private readonly long _start = bare.Flushes;

        public override long Count => bare.Flushes - _start;
    }
}
