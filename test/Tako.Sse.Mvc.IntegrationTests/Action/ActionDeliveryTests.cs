using System.Net.ServerSentEvents;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>When events reach the client: at once, and those ready together in one go.</summary>
public class ActionDeliveryTests
{
    [Fact]
    public async Task SseActionResult_OneEventThenSourceWaits_EventArrivesWhileSourceWaits()
    {
        await using var app = await ActionApp.StartAsync();
        using var response = await app.Client.OpenAsync("/action/gated?ready=1");
        await using var events = await response.EventsAsync();

        (await events.NextAsync()).Data.Should().Be("ready 1");
        app.Probe().Count("disposed").Should().Be(0, "the event must not wait for a later one or for the end");

        app.Probe().Open("gate");
        (await events.NextAsync()).Data.Should().Be("after");
    }

    [Fact]
    public async Task SseActionResult_SeveralEventsReady_AllArriveBeforeTheSourceContinues()
    {
        await using var app = await ActionApp.StartAsync();
        using var response = await app.Client.OpenAsync("/action/gated?ready=50");
        await using var events = await response.EventsAsync();

        var received = new List<SseItem<string>>();
        for (var i = 0; i < 50; i++)
        {
            received.Add(await events.NextAsync());
        }

        received.Select(e => e.Data).Should().Equal(Enumerable.Range(1, 50).Select(i => $"ready {i}"));
        app.Probe().Count("disposed").Should().Be(0, "the gate is still closed");
        app.Probe().Open("gate");
        (await events.NextAsync()).Data.Should().Be("after");
    }

    [Fact]
    public async Task SseActionResult_RawChunks_LineBreaksCannotInjectFields()
    {
        await using var app = await ActionApp.StartAsync();
        using var response = await app.Client.OpenAsync("/action/raw");

        var items = await response.ReadAllAsync();

        items.Select(i => (i.EventType, i.Data)).Should().Equal(
            ("message", "plain"),
            ("message", "a\n\nevent: evil\ndata: x"));
    }

    [Fact]
    public async Task SseActionResult_BurstUnderTheFlushThreshold_GoesOutAsOneHttpChunk()
    {
        await using var app = await ActionApp.StartAsync();

        var chunks = await RawHttp.GetChunksAsync(app.Client.BaseAddress!, "/action/ready?count=500");

        // One chunk, not one per 4 KB pool block: an HttpClient reader gets at most one chunk per read.
        chunks.Should().ContainSingle();
        var frames = chunks[0].Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        frames.Should().Equal(Enumerable.Range(0, 500).Select(i => $"data: ready {i}"));
    }

    [Fact]
    public async Task SseActionResult_BurstOverTheFlushThreshold_GoesOutInThresholdSizedChunks()
    {
        await using var app = await ActionApp.StartAsync();

        // About 150 KB of small events, all ready at once.
        var chunks = await RawHttp.GetChunksAsync(app.Client.BaseAddress!, "/action/ready?count=8000");

        chunks.SkipLast(1).Should().AllSatisfy(c => c.Length.Should().BeInRange(SseStream.FlushThreshold, SseStream.FlushThreshold + 64));
        string.Concat(chunks).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Should().Equal(Enumerable.Range(0, 8000).Select(i => $"data: ready {i}"));
    }
}
