using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers created and the times they are armed, so a test
/// can wait until a stream is idle with its keep-alive timer armed before it advances the clock.
/// </summary>
public sealed class ObservableTimeProvider : FakeTimeProvider
{
    private int _timersCreated;
    private int _armings;

    public int TimersCreated => Volatile.Read(ref _timersCreated);

    /// <summary>Gets how many times a timer was armed (created with, or changed to, a finite due time).</summary>
    public int Armings => Volatile.Read(ref _armings);

    public Task WaitForArmingsAsync(int count) => Poll.UntilAsync(() => Armings >= count, $"{count} timer armings (have {Armings})");

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timersCreated);
        var timer = new CountingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Interlocked.Increment(ref _armings);
        }

        return timer;
    }

    private sealed class CountingTimer(ITimer inner, ObservableTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                Interlocked.Increment(ref owner._armings);
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
