using System.Diagnostics;

namespace Tako.Sse.Mvc;

/// <summary>
/// One shared clock for the keep-alive timers of every stream on the system clock: a single timer ticks every
/// <see cref="Resolution"/> while any stream is armed, and each tick wakes every stream that fell due.
/// </summary>
/// <remarks>
/// <para>
/// Why: with one system timer per stream, 5,000 silent streams on a 1 s keep-alive fall due at 5,000
/// different instants a second, and each one wakes a thread-pool thread on its own; the wake-ups, not the
/// keep-alive frames, dominated the server's CPU time. Rounding due times up to a shared tick lets one wake-up
/// serve every stream due in that tick.
/// </para>
/// <para>
/// Cost: a keep-alive is written up to one <see cref="Resolution"/> later than its period, never earlier
/// (due times round up, and the stream loop still checks the silence against the clock). An armed stream
/// holds one small <see cref="Entry"/> and no system timer.
/// </para>
/// <para>
/// Only <see cref="TimeProvider.System"/> is served here. Any other <see cref="TimeProvider"/> (a fake clock
/// in tests, a simulation) gets its own exact timer per stream from <see cref="TimeProvider.CreateTimer"/>, so
/// advancing that clock behaves exactly as before.
/// </para>
/// </remarks>
internal sealed class SseKeepAliveWheel
{
    /// <summary>The tick of the shared timer: how late, at most, a keep-alive can be.</summary>
    internal static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(100);

    private static readonly SseKeepAliveWheel s_system = new();

    private readonly Lock _gate = new();
    private readonly List<Entry> _armed = [];
    private readonly List<Entry> _due = [];
    private readonly ITimer _tick;
    private bool _ticking;
    private bool _firing;

    private SseKeepAliveWheel()
    {
        _tick = TimeProvider.System.CreateTimer(static state => ((SseKeepAliveWheel)state!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Creates the keep-alive timer of one stream: an entry of the shared wheel on the system clock, an exact
    /// timer of <paramref name="timeProvider"/> otherwise. Created disarmed, like
    /// <c>CreateTimer(…, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)</c>.
    /// </summary>
    public static ITimer CreateTimer(TimeProvider timeProvider, TimerCallback callback, object? state) =>
        ReferenceEquals(timeProvider, TimeProvider.System)
            ? new Entry(s_system, callback, state)
            : timeProvider.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    private void Arm(Entry entry, long dueTimestamp)
    {
        lock (_gate)
        {
            entry.DueTimestamp = dueTimestamp;
            if (entry.Index < 0)
            {
                entry.Index = _armed.Count;
                _armed.Add(entry);
            }

            if (!_ticking)
            {
                _ticking = true;
                _tick.Change(Resolution, Resolution);
            }
        }
    }

    private void Disarm(Entry entry)
    {
        lock (_gate)
        {
            Remove(entry);
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            // A tick that outlasts the period must not run twice at once; the next one picks up what is left.
            if (_firing)
            {
                return;
            }

            _firing = true;
            var now = Stopwatch.GetTimestamp();
            for (var i = _armed.Count - 1; i >= 0; i--)
            {
                var entry = _armed[i];
                if (entry.DueTimestamp <= now)
                {
                    Remove(entry);
                    _due.Add(entry);
                }
            }

            if (_armed.Count == 0)
            {
                _ticking = false;
                _tick.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        // Outside the lock, on this thread-pool thread, one after the other: the callback only wakes a stream
        // whose loop writes a 12-byte frame and hands it to Kestrel's send queue, so one thread working through
        // the burst keeps one sender busy, where one work item per stream made the pool's threads wake, spin
        // and sleep over and over. A keep-alive that waits a little behind another one costs nothing.
        try
        {
            foreach (var entry in _due)
            {
                entry.Fire();
            }
        }
        finally
        {
            // Even if a callback threw (which would end the process, as it would from a system timer), the
            // wheel must not stay marked as firing.
            _due.Clear();
            lock (_gate)
            {
                _firing = false;
            }
        }
    }

    // Swap-remove: the order of _armed does not matter, and each entry knows its index.
    private void Remove(Entry entry)
    {
        var index = entry.Index;
        if (index < 0)
        {
            return;
        }

        var last = _armed.Count - 1;
        if (index != last)
        {
            var moved = _armed[last];
            _armed[index] = moved;
            moved.Index = index;
        }

        _armed.RemoveAt(last);
        entry.Index = -1;
    }

    /// <summary>The keep-alive timer of one stream on the shared wheel: one-shot, re-armed with <see cref="Change"/>.</summary>
    private sealed class Entry(SseKeepAliveWheel wheel, TimerCallback callback, object? state) : ITimer
    {
        // Guarded by the wheel's lock.
        public long DueTimestamp;
        public int Index = -1;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // Streams arm one-shot timers only; a period would be a programming error here.
            Debug.Assert(period == Timeout.InfiniteTimeSpan, "Keep-alive timers are one-shot.");
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                wheel.Disarm(this);
            }
            else
            {
                wheel.Arm(this, Stopwatch.GetTimestamp() + (long)(Math.Max(0, dueTime.TotalSeconds) * Stopwatch.Frequency));
            }

            return true;
        }

        public void Dispose() => wheel.Disarm(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public void Fire() => callback(state);
    }
}
