using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.Tests.Streaming;

public class SseStreamWakeSignalTests
{
    [Fact]
    public async Task WaitAsync_CancelledWhileNobodyWaited_ReportsCancelledAndKeepsReportingIt()
    {
        using var signal = new SseStreamWakeSignal(new FakeTimeProvider());

        // The loop was busy writing when the client left; the next idle wait must still see it.
        signal.Cancel();
        signal.ArmKeepAlive(TimeSpan.FromSeconds(10));

        (await signal.WaitAsync(SseWakeReason.Any).AsTask().WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(SseWakeReason.Cancelled);
        (await signal.WaitAsync(SseWakeReason.Any)).Should().Be(SseWakeReason.Cancelled);
    }

    [Fact]
    public async Task WaitAsync_InterestedInSourceOnly_IgnoresCancelAndTimerUntilSourceReady()
    {
        var time = new FakeTimeProvider();
        using var signal = new SseStreamWakeSignal(time);
        signal.Cancel();
        signal.ArmKeepAlive(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        var wait = signal.WaitAsync(SseWakeReason.SourceReady);
        wait.IsCompleted.Should().BeFalse();

        signal.OnSourceReady();
        (await wait).Should().Be(SseWakeReason.SourceReady);
    }

    [Fact]
    public async Task ArmKeepAlive_StaleFireFromEarlierArming_IsDropped()
    {
        var time = new FakeTimeProvider();
        using var signal = new SseStreamWakeSignal(time);
        signal.ArmKeepAlive(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        signal.ArmKeepAlive(TimeSpan.FromSeconds(5));
        var wait = signal.WaitAsync(SseWakeReason.Any);
        wait.IsCompleted.Should().BeFalse();

        time.Advance(TimeSpan.FromSeconds(5));
        (await wait).Should().Be(SseWakeReason.KeepAliveDue);
    }

    [Fact]
    public async Task OnSourceReady_BeforeTheWait_IsNotLost()
    {
        using var signal = new SseStreamWakeSignal(new FakeTimeProvider());

        signal.OnSourceReady();

        (await signal.WaitAsync(SseWakeReason.Any)).Should().Be(SseWakeReason.SourceReady);
        signal.WaitAsync(SseWakeReason.SourceReady).IsCompleted.Should().BeFalse("a wake-up is reported once");
    }
}
