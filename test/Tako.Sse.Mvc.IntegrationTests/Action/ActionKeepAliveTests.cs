using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>
/// Keep-alive on a fake clock. The timer is armed when the stream goes idle, after the client may already
/// have the last event, so each step waits for the arming before it advances time.
/// </summary>
public class ActionKeepAliveTests
{
    [Fact]
    public async Task KeepAlive_SilentForThePeriod_WritesCommentFrameAndEveryEventResetsTheTimer()
    {
        await using var stream = await OpenAsync("/action/keepalive?count=4", o => o.KeepAlive = TimeSpan.FromSeconds(10));
        var (time, app, raw) = stream;
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e1\n\n");

        // Just short of the period: no keep-alive before the next event.
        await time.WaitForArmingsAsync(1);
        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        app.Probe().Open("e2");
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e2\n\n");

        // Had e2 not reset the timer, this would be 20 s after e1 with no event and a keep-alive due.
        await time.WaitForArmingsAsync(2);
        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        app.Probe().Open("e3");
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e3\n\n");

        // A full period of silence, twice: one comment frame each.
        await time.WaitForArmingsAsync(3);
        time.Advance(TimeSpan.FromSeconds(10));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");
        await time.WaitForArmingsAsync(4);
        time.Advance(TimeSpan.FromSeconds(10));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");

        app.Probe().Open("e4");
        (await raw.ReadToEndAsync()).Should().Be("data: e4\n\n");

        // One timer for the whole stream, re-armed: no timer (or Task.Delay) per event or idle period.
        time.TimersCreated.Should().Be(1);
    }

    [Fact]
    public async Task KeepAlive_TimerFiresLate_NextOneKeepsThePeriodsCadence()
    {
        await using var stream = await OpenAsync("/action/keepalive?count=2", o => o.KeepAlive = TimeSpan.FromSeconds(10));
        var (time, app, raw) = stream;
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e1\n\n");

        // The first keep-alive goes out 3 s late (as a loaded timer or a wheel tick can make it)...
        await time.WaitForArmingsAsync(1);
        time.Advance(TimeSpan.FromSeconds(13));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");

        // ...and the second is still due 20 s after e1, not 10 s after the late one: lateness never adds up.
        await time.WaitForArmingsAsync(2);
        time.Advance(TimeSpan.FromSeconds(7));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");

        app.Probe().Open("e2");
        (await raw.ReadToEndAsync()).Should().Be("data: e2\n\n");
    }

    [Fact]
    public async Task KeepAlive_ClockJumpsManyPeriods_SendsOneFrameNotABurst()
    {
        await using var stream = await OpenAsync("/action/keepalive?count=2", o => o.KeepAlive = TimeSpan.FromSeconds(10));
        var (time, app, raw) = stream;
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e1\n\n");

        // A stall of five periods: one keep-alive, then the cadence starts again from it.
        await time.WaitForArmingsAsync(1);
        time.Advance(TimeSpan.FromSeconds(50));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":keepalive\n\n");
        await time.WaitForArmingsAsync(2);
        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        app.Probe().Open("e2");

        // Four frames to catch up would show here, before e2.
        (await raw.ReadToEndAsync()).Should().Be("data: e2\n\n");
        time.Armings.Should().Be(2);
    }

    [Fact]
    public async Task KeepAlive_ResultOverride_WinsOverTheOptionAndUsesTheConfiguredComment()
    {
        await using var stream = await OpenAsync("/action/keepalive?count=2&keepAliveSeconds=2", o => { o.KeepAlive = TimeSpan.FromSeconds(10); o.KeepAliveComment = "ping"; });
        var (time, app, raw) = stream;
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e1\n\n");

        await time.WaitForArmingsAsync(1);
        time.Advance(TimeSpan.FromSeconds(2));
        (await raw.ReadThroughAsync("\n\n")).Should().Be(":ping\n\n");

        app.Probe().Open("e2");
        (await raw.ReadToEndAsync()).Should().Be("data: e2\n\n");
    }

    [Fact]
    public async Task KeepAlive_ResultOverrideZero_TurnsKeepAliveOff()
    {
        await using var stream = await OpenAsync("/action/keepalive?count=2&keepAliveSeconds=0", o => o.KeepAlive = TimeSpan.FromSeconds(10));
        var (time, app, raw) = stream;
        (await raw.ReadThroughAsync("\n\n")).Should().Be("data: e1\n\n");

        time.Advance(TimeSpan.FromMinutes(5));
        app.Probe().Open("e2");

        (await raw.ReadToEndAsync()).Should().Be("data: e2\n\n");
        time.TimersCreated.Should().Be(0);
    }

    [Fact]
    public async Task KeepAlive_ClockRacingLargeEvents_NeverLandsInsideAnEvent()
    {
        var time = new ObservableTimeProvider();
        await using var app = await ActionApp.StartAsync(o => o.KeepAlive = TimeSpan.FromMilliseconds(1), time);
        using var response = await app.Client.OpenAsync("/action/bulk?count=200&size=20000");

        // Fire the keep-alive timer as often as possible from another thread while 4 MB stream out.
        using var stop = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                await Task.Yield();
            }
        });
        await using var raw = await RawEventStream.OpenAsync(response);
        var body = await raw.ReadToEndAsync();
        await stop.CancelAsync();
        await ticker;

        var frames = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var events = frames.Where(f => f != ":keepalive").ToList();
        events.Should().HaveCount(200);
        for (var i = 0; i < events.Count; i++)
        {
            events[i].Should().Be($"id: {i}\ndata: {new string((char)('a' + (i % 26)), 20000)}", "event {0} must be whole", i);
        }
    }

    // The set-up of the tests above that read one stream: an app on a fake clock, the stream read as raw text.
    private static async Task<KeepAliveStream> OpenAsync(string path, Action<TakoSseOptions> options)
    {
        var time = new ObservableTimeProvider();
        var app = await ActionApp.StartAsync(options, time);
        try
        {
            var response = await app.Client.OpenAsync(path);
            return new KeepAliveStream(time, app, response, await RawEventStream.OpenAsync(response));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private sealed class KeepAliveStream(ObservableTimeProvider time, TestApp app, HttpResponseMessage response, RawEventStream raw) : IAsyncDisposable
    {
        public void Deconstruct(out ObservableTimeProvider clock, out TestApp host, out RawEventStream text) => (clock, host, text) = (time, app, raw);

        public async ValueTask DisposeAsync()
        {
            await raw.DisposeAsync();
            response.Dispose();
            await app.DisposeAsync();
        }
    }
}
