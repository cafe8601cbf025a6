using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// What this (server) process spends: settled managed heap, CPU time, bytes allocated, and the keep-alive
/// frames our meter reports. The clients of these runs live in a child process, so none of it is theirs.
/// </summary>
internal static class ServerSideProbe
{
    /// <summary>The managed heap after full, compacting, blocking collections: live objects only.</summary>
    public static long SettledHeapBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static TimeSpan CpuTime() => Cpu().Total;

    /// <summary>This process's CPU time so far, split into user mode (our code, the runtime, Kestrel) and kernel mode.</summary>
    public static CpuSplit Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return new CpuSplit(process.UserProcessorTime, process.PrivilegedProcessorTime);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false after <paramref name="deadline"/>.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan deadline)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>
    /// Waits until the JIT has compiled nothing for a second (tiered compilation of a path that just started
    /// running goes on in the background for a while, longer on a loaded machine), or until the deadline.
    /// </summary>
    public static async Task WaitForJitToSettleAsync(TimeSpan deadline)
    {
        var started = Stopwatch.GetTimestamp();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetElapsedTime(started) < deadline)
        {
            await Task.Delay(1_000);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                return;
            }

            compiled = now;
        }
    }

    /// <summary>CPU time in user mode and in kernel mode.</summary>
    public readonly record struct CpuSplit(TimeSpan User, TimeSpan Kernel)
    {
        public TimeSpan Total => User + Kernel;

        public static CpuSplit operator -(CpuSplit a, CpuSplit b) => new(a.User - b.User, a.Kernel - b.Kernel);
    }

    /// <summary>
    /// Sums one <see cref="long"/> instrument's measurements, over every meter of that name, while it is alive:
    /// a counter's total, or an up-down counter's current value (start it before what it measures).
    /// </summary>
    public sealed class MeterSum : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _sum;
        private long _count;

        public MeterSum(string meter, string instrument)
        {
            _listener.InstrumentPublished = (published, listener) =>
            {
                if (published.Meter.Name == meter && published.Name == instrument)
                {
                    listener.EnableMeasurementEvents(published, this);
                }
            };
            _listener.SetMeasurementEventCallback<long>(static (_, value, _, state) =>
            {
                var sum = (MeterSum)state!;
                Interlocked.Add(ref sum._sum, value);
                Interlocked.Increment(ref sum._count);
            });
            _listener.Start();
        }

        public long Value => Interlocked.Read(ref _sum);

        /// <summary>Gets how many measurements were recorded.</summary>
        public long Count => Interlocked.Read(ref _count);

        /// <summary>
        /// Counts <c>tako.sse.events_sent</c>, which a stream records once per flush that carries events: its
        /// <see cref="Count"/> is the number of such writes.
        /// </summary>
        public static MeterSum EventWrites() => new("Tako.Sse.Mvc", "tako.sse.events_sent");

        /// <summary>Counts <c>tako.sse.keepalives_sent</c>.</summary>
        public static MeterSum KeepAlives() => new("Tako.Sse.Mvc", "tako.sse.keepalives_sent");

        /// <summary>
        /// <c>aspnetcore.memory_pool.pooled</c> (ASP.NET Core 10's meter of Kestrel's block pool): the bytes of
        /// free blocks it holds for reuse, the part of the managed heap that is Kestrel's cache of write blocks,
        /// not any connection's state.
        /// </summary>
        public static MeterSum KestrelPooledBytes() => new("Microsoft.AspNetCore.MemoryPool", "aspnetcore.memory_pool.pooled");

        public void Dispose() => _listener.Dispose();
    }
}
