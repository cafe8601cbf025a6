using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.Tests.Timing;

public class SseTimerWheelTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void CreateTimer_FakeTimeProvider_FiresExactlyAtTheDueTime()
    {
        var time = new FakeTimeProvider();
        var fired = 0;
        using var timer = SseTimerWheel.CreateTimer(time, _ => Interlocked.Increment(ref fired), null);
        timer.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        fired.Should().Be(0);
        time.Advance(TimeSpan.FromTicks(1));
        fired.Should().Be(1);
    }

    [Fact]
    public async Task CreateTimer_SystemClock_FiresOnceAndNeverBeforeTheDueTime()
    {
        var due = TimeSpan.FromMilliseconds(150);
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var armed = Stopwatch.GetTimestamp();
        using var timer = SseTimerWheel.CreateTimer(TimeProvider.System, _ =>
        {
            Interlocked.Increment(ref count);
            fired.TrySetResult(Stopwatch.GetElapsedTime(armed));
        }, null);
        timer.Change(due, Timeout.InfiniteTimeSpan);

        // Due times round up to the wheel's tick: a keep-alive may come late, never early.
        (await fired.Task.WaitAsync(s_deadline)).Should().BeGreaterThanOrEqualTo(due);
        count.Should().Be(1);
    }

    [Fact]
    public async Task Change_ReArmedBeforeDue_FiresForTheLatestArmingOnly()
    {
        var fired = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var first = SseTimerWheel.CreateTimer(TimeProvider.System, _ => fired.TrySetResult("first"), null);
        using var second = SseTimerWheel.CreateTimer(TimeProvider.System, _ => fired.TrySetResult("second"), null);

        // The first timer is pushed far out (as an event pushes back a stream's keep-alive); the second one,
        // armed later with a short due time, must be the one that fires.
        first.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        first.Change(TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);
        second.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);

        (await fired.Task.WaitAsync(s_deadline)).Should().Be("second");
    }

    [Fact]
    public async Task Dispose_ArmedTimer_NeverFires()
    {
        var disposedFired = 0;
        var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposed = SseTimerWheel.CreateTimer(TimeProvider.System, _ => Interlocked.Increment(ref disposedFired), null);
        using var later = SseTimerWheel.CreateTimer(TimeProvider.System, _ => probe.TrySetResult(), null);
        disposed.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        disposed.Dispose();

        // A timer armed after the disposed one with a later due time has fired: the wheel has passed the
        // disposed timer's due time without firing it.
        later.Change(TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan);
        await probe.Task.WaitAsync(s_deadline);

        disposedFired.Should().Be(0);
    }

    [Fact]
    public async Task CreateEntry_DueTimesOverSeveralLaps_EachFiresOnceAndNeverEarly()
    {
        // A lap of 8 one-millisecond slots, so due times 0 to 60 ms wrap it several times: an entry whose slot
        // the wheel passes a lap early must wait for its due time.
        var wheel = new SseTimerWheel(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), 8);
        const int count = 61;
        var firedAfter = new TimeSpan?[count];
        var fireCounts = new int[count];
        var remaining = count;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = Stopwatch.GetTimestamp();
        var timers = new List<ITimer>();
        for (var i = 0; i < count; i++)
        {
            var index = i;
            var timer = wheel.CreateEntry(_ =>
            {
                firedAfter[index] = Stopwatch.GetElapsedTime(armed);
                if (Interlocked.Increment(ref fireCounts[index]) == 1 && Interlocked.Decrement(ref remaining) == 0)
                {
                    all.TrySetResult();
                }
            }, null);
            timers.Add(timer);
        }

        // Armed in reverse, so slots fill out of order.
        for (var i = count - 1; i >= 0; i--)
        {
            timers[i].Change(TimeSpan.FromMilliseconds(i), Timeout.InfiniteTimeSpan);
        }

        await all.Task.WaitAsync(s_deadline);

        // Armed at most a few milliseconds after `armed` was read; each due time counts from its own arming, so
        // the bound is the due time itself, measured from before every arming.
        for (var i = 0; i < count; i++)
        {
            fireCounts[i].Should().Be(1, "timer {0} fires once", i);
            firedAfter[i].Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(i), "timer {0} must not fire early", i);
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }

    [Fact]
    public async Task CreateEntry_DisarmedAndReArmedFarOut_FiresOnlyForTheLastArming()
    {
        var wheel = new SseTimerWheel(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), 8);
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var armed = Stopwatch.GetTimestamp();
        using var timer = wheel.CreateEntry(_ =>
        {
            Interlocked.Increment(ref count);
            fired.TrySetResult(Stopwatch.GetElapsedTime(armed));
        }, null);

        // Moved between slots and laps, unlinked, linked again; the earlier armings are far enough out that
        // even a badly stalled test thread cannot see them fire.
        timer.Change(TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
        timer.Change(TimeSpan.FromSeconds(31), Timeout.InfiniteTimeSpan);
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(TimeSpan.FromMilliseconds(40), Timeout.InfiniteTimeSpan);

        (await fired.Task.WaitAsync(s_deadline)).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(40));

        // Whatever fires must already have fired by now (a poll with a generous deadline would prove nothing
        // more: a second fire has no later due time to wait for).
        count.Should().Be(1);
    }

    [Fact]
    public async Task Tick_WheelCreatedInsideARequestsExecutionContext_CallbacksRunWithoutIt()
    {
        var local = new AsyncLocal<string?>();
        SseTimerWheel? wheel = null;

        // Built where an AsyncLocal is set, as the shared wheel is built inside the first request that arms it.
        await Task.Run(() =>
        {
            local.Value = "first request";
            wheel = new SseTimerWheel(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), 8);
        });
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = wheel!.CreateEntry(_ => seen.TrySetResult(local.Value ?? "(none)"), null);
        timer.Change(TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);

        (await seen.Task.WaitAsync(s_deadline)).Should().Be("(none)", "the wheel's timer must not keep (and run in) the first request's ExecutionContext");
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MaxValue / 2)]
    public void DueTimestamp_AbsurdDueTime_ClampedIntoTheFutureWithoutOverflow(long ticks)
    {
        var now = Stopwatch.GetTimestamp();

        var due = SseTimerWheel.DueTimestamp(now, TimeSpan.FromTicks(ticks));

        due.Should().Be(now + (long)(SseTimerWheel.MaxDueTime.TotalSeconds * Stopwatch.Frequency));
        SseTimerWheel.ClampDueTime(TimeSpan.FromTicks(ticks)).Should().Be(SseTimerWheel.MaxDueTime);
    }
}
