using System.Diagnostics;

namespace Tako.Sse.Mvc;

/// <summary>
/// The coarse timer every stream's timers run on (its keep-alive and its write timeout), on the system clock: a
/// single system timer ticks every <see cref="Resolution"/> while any entry is armed, and each tick fires every
/// entry that fell due.
/// </summary>
/// <remarks>
/// <para>
/// Why: with one system timer per stream, 5,000 silent streams on a 1 s keep-alive fall due at 5,000
/// different instants a second, and each one wakes a thread-pool thread on its own; the wake-ups, not the
/// keep-alive frames, dominated the server's CPU time. Rounding due times up to a shared tick lets one wake-up
/// serve every timer due in that tick.
/// </para>
/// <para>
/// Cost: a timer fires up to one <see cref="Resolution"/> later than it is due, never earlier (a tick fires only
/// entries whose due time has passed, and each user still checks its own deadline against the clock). An armed
/// timer is one small <see cref="Entry"/>, no system timer.
/// </para>
/// <para>
/// A tick visits only the entries that can be due: armed entries hang in slots of <see cref="SlotLength"/> by
/// their due time, and a tick walks the slots from the one it stopped at to the current one. Scanning every
/// armed entry on every tick instead cost a cache miss per idle stream ten times a second, which showed up
/// in the keep-alive run's profile as a tenth of the server's user time.
/// </para>
/// <para>
/// Only <see cref="TimeProvider.System"/> is served here. Any other <see cref="TimeProvider"/> (a fake clock
/// in tests, a simulation) gets an exact timer of its own from <see cref="TimeProvider.CreateTimer"/>, so
/// advancing that clock behaves exactly as before.
/// </para>
/// </remarks>
internal sealed class SseTimerWheel
{
    /// <summary>The tick of the shared timer: how late, at most, a timer fires.</summary>
    internal static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest due time a timer takes (what <see cref="System.Threading.Timer"/> accepts, about 49 days);
    /// see <see cref="ClampDueTime"/>.
    /// </summary>
    internal static readonly TimeSpan MaxDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>The span of due times one slot holds: a quarter tick, so the slot a tick stops in is small.</summary>
    internal static readonly TimeSpan SlotLength = TimeSpan.FromMilliseconds(25);

    // A power of two: 4,096 slots of 25 ms cover 102 s of due times. An entry due further out waits in its
    // slot for the wheel to come round again (its due time, not its slot, decides when it fires).
    private const int SystemSlotCount = 4096;

    private static readonly SseTimerWheel s_system = new(Resolution, SlotLength, SystemSlotCount);

    private readonly Lock _gate = new();
    private readonly Entry?[] _slots;
    private readonly long _slotMask;
    private readonly List<Entry> _due = [];
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly long _slotTicks;
    private readonly TimeSpan _resolution;
    private readonly ITimer _tick;

    // Guarded by _gate: the first slot a tick has not finished with (every entry due before it has fired).
    private long _nextSlot;
    private int _armedCount;
    private bool _ticking;
    private bool _firing;

    /// <summary>Creates a wheel of its own; the library uses the one for <see cref="TimeProvider.System"/> only.</summary>
    /// <param name="resolution">The period of the shared timer.</param>
    /// <param name="slotLength">The span of due times one slot holds.</param>
    /// <param name="slotCount">A power of two: slots per lap.</param>
    internal SseTimerWheel(TimeSpan resolution, TimeSpan slotLength, int slotCount)
    {
        Debug.Assert(slotCount > 0 && (slotCount & (slotCount - 1)) == 0, "The slot count is a power of two.");
        _resolution = resolution;
        _slots = new Entry?[slotCount];
        _slotMask = slotCount - 1;
        _slotTicks = Math.Max(1, (long)(slotLength.TotalSeconds * Stopwatch.Frequency));

        // The shared wheel is created inside the first request that arms a timer: its tick must not carry that
        // request's context for the life of the process.
        _tick = SseBackground.CreateTimer(TimeProvider.System, static state => ((SseTimerWheel)state!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Caps a due time at <see cref="MaxDueTime"/>. A keep-alive or write timeout of <see cref="TimeSpan.MaxValue"/>
    /// means "practically never"; uncapped, the timestamp arithmetic would overflow into the past (and fire on
    /// every tick) and a <see cref="TimeProvider"/> timer would refuse it.
    /// </summary>
    public static TimeSpan ClampDueTime(TimeSpan dueTime) => dueTime > MaxDueTime ? MaxDueTime : dueTime;

    /// <summary>The timestamp <paramref name="dueTime"/> after <paramref name="now"/>, for any due time: never in the past.</summary>
    internal static long DueTimestamp(long now, TimeSpan dueTime) =>
        now + (long)(Math.Clamp(dueTime.TotalSeconds, 0, MaxDueTime.TotalSeconds) * Stopwatch.Frequency);

    /// <summary>
    /// Creates a one-shot timer: an entry of the shared wheel on the system clock, an exact timer of
    /// <paramref name="timeProvider"/> otherwise. Created disarmed, like
    /// <c>CreateTimer(…, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)</c>.
    /// </summary>
    /// <remarks>
    /// A stream's keep-alive (<see cref="SseStreamWakeSignal"/>), its write timeout (<see cref="SseWriteTimeout"/>),
    /// its credential's expiry (<see cref="SseAuthenticationExpiry"/>) and the re-check of its channels
    /// (<see cref="SseSubscriptionRecheck"/>) all use it.
    /// </remarks>
    public static ITimer CreateTimer(TimeProvider timeProvider, TimerCallback callback, object? state) =>
        ReferenceEquals(timeProvider, TimeProvider.System)
            ? s_system.CreateEntry(callback, state)
            : timeProvider.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Creates a disarmed one-shot timer on this wheel.</summary>
    internal ITimer CreateEntry(TimerCallback callback, object? state) => new Entry(this, callback, state);

    private long SlotOf(long timestamp) => Math.Max(0, timestamp - _origin) / _slotTicks;

    private void Arm(Entry entry, long dueTimestamp)
    {
        lock (_gate)
        {
            Unlink(entry);
            if (!_ticking)
            {
                // Nothing is armed, so no slot holds anything: the walk starts at the present.
                _ticking = true;
                _nextSlot = SlotOf(Stopwatch.GetTimestamp());
                _tick.Change(_resolution, _resolution);
            }

            entry.DueTimestamp = dueTimestamp;
            Link(entry, (int)(SlotOf(dueTimestamp) & _slotMask));
        }
    }

    private void Disarm(Entry entry)
    {
        lock (_gate)
        {
            Unlink(entry);
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            // A tick that outlasts the period must not run twice at once; the next one picks up what is left.
            if (_firing || !_ticking)
            {
                return;
            }

            _firing = true;
            var now = Stopwatch.GetTimestamp();
            var nowSlot = SlotOf(now);

            // Every slot from where the last tick stopped up to the current one, which is only partly due and is
            // walked again next time; after a stall of a whole lap or more, every slot once.
            var slots = Math.Min(nowSlot - _nextSlot + 1, _slots.Length);
            for (var i = 0L; i < slots; i++)
            {
                CollectDue((int)((_nextSlot + i) & _slotMask), now);
            }

            _nextSlot = nowSlot;
            if (_armedCount == 0)
            {
                _ticking = false;
                _tick.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        // Outside the lock, on this thread-pool thread, one after the other. A callback only marks its stream
        // due and queues the stream's loop to the thread pool (see SseStreamWakeSignal): no stream's write, and
        // no source's code, runs on this thread, so one stream that blocks cannot delay the others' timers.
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

    // Moves the entries of one slot that are due by now to _due; the others (due later in this slot, or a
    // lap or more later) stay.
    private void CollectDue(int slot, long now)
    {
        var entry = _slots[slot];
        while (entry is not null)
        {
            var next = entry.Next;
            if (entry.DueTimestamp <= now)
            {
                Unlink(entry);
                _due.Add(entry);
            }

            entry = next;
        }
    }

    // Each slot is a doubly linked list of its entries, so arming, re-arming and disarming are O(1).
    private void Link(Entry entry, int slot)
    {
        var head = _slots[slot];
        entry.Previous = null;
        entry.Next = head;
        if (head is not null)
        {
            head.Previous = entry;
        }

        _slots[slot] = entry;
        entry.Slot = slot;
        _armedCount++;
    }

    private void Unlink(Entry entry)
    {
        if (entry.Slot < 0)
        {
            return;
        }

        if (entry.Previous is { } previous)
        {
            previous.Next = entry.Next;
        }
        else
        {
            _slots[entry.Slot] = entry.Next;
        }

        if (entry.Next is { } next)
        {
            next.Previous = entry.Previous;
        }

        entry.Previous = null;
        entry.Next = null;
        entry.Slot = -1;
        _armedCount--;
    }

    /// <summary>One timer on the shared wheel: one-shot, re-armed with <see cref="Change"/>.</summary>
    private sealed class Entry(SseTimerWheel wheel, TimerCallback callback, object? state) : ITimer
    {
        // Guarded by the wheel's lock.
        public long DueTimestamp;
        public int Slot = -1;
        public Entry? Previous;
        public Entry? Next;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // Streams arm one-shot timers only; a period would be a programming error here.
            Debug.Assert(period == Timeout.InfiniteTimeSpan, "Timers of the wheel are one-shot.");
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                wheel.Disarm(this);
            }
            else
            {
                wheel.Arm(this, DueTimestamp(Stopwatch.GetTimestamp(), dueTime));
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
