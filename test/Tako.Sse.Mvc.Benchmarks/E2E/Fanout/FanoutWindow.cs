using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// A measured window of flat-out publishing, with the server's collections in it and, for a side that counts
/// its writes, the frames each write to a response carried on average.
/// </summary>
internal sealed record FanoutWindow(double Rate, double CpuPerThousand, double ClientCpuPerThousand, string Collections, double? FramesPerWrite = null)
{
    public override string ToString() =>
        $"{Rate.ToString("N0", CultureInfo.InvariantCulture)} /s, server {CpuPerThousand.ToString("0.000", CultureInfo.InvariantCulture)} ms / 1,000 deliveries, client {ClientCpuPerThousand.ToString("0.000", CultureInfo.InvariantCulture)} ms; GC {Collections}"
        + (FramesPerWrite is { } frames ? $"; {frames.ToString("0.0", CultureInfo.InvariantCulture)} frames per write" : "");
}
