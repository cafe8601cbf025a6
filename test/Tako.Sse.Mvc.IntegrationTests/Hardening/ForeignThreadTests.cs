using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>
/// Whoever wakes a stream (a producer completing a task, the clock) gets its thread back at once: the stream's
/// loop, and the source's next MoveNextAsync, run on a thread of the stream's own.
/// </summary>
public class ForeignThreadTests
{
    [Fact]
    public async Task SseActionResult_ProducerWakesASourceThatThenBlocks_ProducersTrySetResultReturnsAtOnce()
    {
        await using var app = await ActionApp.StartAsync();
        using var response = await app.Client.OpenAsync("/hardening/woken");
        await using var events = await response.EventsAsync();
        (await events.NextAsync()).Data.Should().Be("first");
        await app.Probe().WaitForAsync("woken.waiting");

        // The producer's thread runs the source up to its yield (the source's own code), and nothing after it.
        var producer = Task.Run(() => app.Probe().OpenInline("producer"));
        try
        {
            await Poll.UntilAsync(() => producer.IsCompleted, "the producer's TrySetResult to return while the source blocks");
            (await producer).Should().BeTrue();
            (await events.NextAsync()).Data.Should().Be("woken");
            await app.Probe().WaitForAsync("woken.blocking");
        }
        finally
        {
            app.Probe().Unblock("woken");
        }

        (await events.NextAsync()).Data.Should().Be("unblocked");
    }

    [Fact]
    public async Task SseActionResult_SourceReadyOnTheClocksThreadThenBlocks_OtherStreamsKeepAlivesStillGoOut()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ActionApp.StartAsync(o => o.KeepAlive = TimeSpan.FromSeconds(1), time);

        // A silent stream whose keep-alive falls due on the same clock.
        using var silent = await app.Client.OpenAsync("/action/silent");
        await using var silentRaw = await RawEventStream.OpenAsync(silent);
        await app.Probe().WaitForAsync("started");
        await time.WaitForArmingsAsync(1);

        // A stream whose source wakes on the clock (half a second in) and then blocks in its next MoveNextAsync.
        using var clocked = await app.Client.OpenAsync("/hardening/clocked?delaySeconds=0.5");
        await using var clockedEvents = await clocked.EventsAsync();
        (await clockedEvents.NextAsync()).Data.Should().Be("first");
        await time.WaitForArmingsAsync(3);

        // Advance fires the source's delay first, then the silent stream's keep-alive, on this one thread.
        var advance = Task.Run(() => time.Advance(TimeSpan.FromSeconds(1)));
        try
        {
            await app.Probe().WaitForAsync("clocked.blocking");
            await silentRaw.ReadThroughAsync(":keepalive\n\n");
            await Poll.UntilAsync(() => advance.IsCompleted, "the clock's Advance to return while the source blocks");
        }
        finally
        {
            app.Probe().Unblock("clocked");
        }

        await advance;
        (await clockedEvents.NextAsync()).Data.Should().Be("ticked");
        (await clockedEvents.NextAsync()).Data.Should().Be("unblocked");
    }
}
