using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.Tests.Performance;

public class SseKeepAliveWheelTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void CreateTimer_FakeTimeProvider_FiresExactlyAtTheDueTime()
    {
        var time = new FakeTimeProvider();
        var fired = 0;
        using var timer = SseKeepAliveWheel.CreateTimer(time, _ => Interlocked.Increment(ref fired), null);
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
        using var timer = SseKeepAliveWheel.CreateTimer(TimeProvider.System, _ =>
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
        using var first = SseKeepAliveWheel.CreateTimer(TimeProvider.System, _ => fired.TrySetResult("first"), null);
        using var second = SseKeepAliveWheel.CreateTimer(TimeProvider.System, _ => fired.TrySetResult("second"), null);

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
        var disposed = SseKeepAliveWheel.CreateTimer(TimeProvider.System, _ => Interlocked.Increment(ref disposedFired), null);
        using var later = SseKeepAliveWheel.CreateTimer(TimeProvider.System, _ => probe.TrySetResult(), null);
        disposed.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        disposed.Dispose();

        // A timer armed after the disposed one with a later due time has fired: the wheel has passed the
        // disposed timer's due time without firing it.
        later.Change(TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan);
        await probe.Task.WaitAsync(s_deadline);

        disposedFired.Should().Be(0);
    }
}
