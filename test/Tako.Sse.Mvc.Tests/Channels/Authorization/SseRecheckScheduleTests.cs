using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.Tests.Channels.Authorization;

/// <summary>The first re-checks of subscriptions opened together are spread over the interval.</summary>
public sealed class SseRecheckScheduleTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(300)]
    [InlineData(3600)]
    public void NextFirstDelay_TenThousandSubscriptionsOpenedAtOnce_NoSecondHoldsMoreThanTwiceItsShare(int intervalSeconds)
    {
        const int Subscriptions = 10_000;
        var time = new FakeTimeProvider();
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var schedule = new SseRecheckSchedule(interval);
        var opened = time.GetUtcNow();

        // Every browser reconnecting in the same instant (after a deploy, say): the worst case for a spread.
        var perSecond = new int[intervalSeconds];
        for (var i = 0; i < Subscriptions; i++)
        {
            var due = opened + schedule.NextFirstDelay();
            var offset = due - opened;
            offset.Should().BePositive().And.BeLessThanOrEqualTo(interval);
            perSecond[Math.Min((int)offset.TotalSeconds, intervalSeconds - 1)]++;
        }

        var average = (double)Subscriptions / intervalSeconds;
        perSecond.Max().Should().BeLessThanOrEqualTo((int)Math.Ceiling(2 * average), "no second of the interval may take more than twice its share");
        if (average >= 2)
        {
            perSecond.Min().Should().BeGreaterThanOrEqualTo((int)Math.Floor(average / 2), "and none is left out");
        }
    }

    [Fact]
    public void NextFirstDelay_SubscriptionsOpenedOverTime_EachWithinOneIntervalOfItsOpening()
    {
        var time = new FakeTimeProvider();
        var schedule = new SseRecheckSchedule(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 1000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(37));
            schedule.NextFirstDelay().Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(10));
        }
    }
}
