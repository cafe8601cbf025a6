using System.Globalization;
using System.Text.Json;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

// The sample's streams read back with HttpClient and SseParser; the browser tests read the same ones in Chromium.
public class SampleStreamsTests(SampleFixture sample) : IClassFixture<SampleFixture>
{
    private HttpClient Client => sample.App.Client;

    [Fact]
    public async Task Events_SilentBetweenTicks_SendsKeepAliveComments()
    {
        using var response = await Client.OpenAsync("/events");

        // The ticks are a second apart and the sample runs here with a 200 ms keep-alive.
        var text = await response.ReadTextUntilAsync(":keepalive\n\n", "data: tick: 0\n\n", "data: tick: 1\n\n");

        var completeFrames = text[..(text.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)];
        completeFrames.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(frame => frame == ":keepalive" || frame.StartsWith("data: tick: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Feed_Start_SendsCommentAndRetryThenHelloThenNamedEventsWithIds()
    {
        using var raw = await Client.OpenAsync("/feed");
        var text = await raw.ReadTextUntilAsync("id: 1\n");
        text.Should().StartWith(": Tako.Sse.Mvc feed: price and news events\nretry: 3000\n\ndata: hello\n\n");

        using var response = await Client.OpenAsync("/feed");
        await using var events = await response.EventsAsync();
        var hello = await events.NextAsync();
        var first = await events.NextAsync();

        (hello.EventType, hello.Data).Should().Be(("message", "hello"));
        (first.EventType, first.EventId).Should().Be(("price", "1"));
        first.Data.Should().MatchRegex(@"^TAKO \d+\.\d\d$");
    }

    [Fact]
    public async Task Feed_WithLastEventId_GoesOnAfterItWithoutHello()
    {
        using var response = await Client.OpenAsync("/feed", r => r.Headers.Add("Last-Event-ID", "7"));
        await using var events = await response.EventsAsync();

        var next = await events.NextAsync();

        (next.EventType, next.EventId).Should().Be(("news", "8"));
    }

    [Fact]
    public async Task Progress_Run_SendsEveryFifthPercentThenDoneAndEnds()
    {
        using var response = await Client.OpenAsync("/progress");

        var items = await response.ReadAllAsync();

        items.Select(i => i.EventType).Should().Equal([.. Enumerable.Repeat("progress", 21), "done"]);
        items.Take(21).Select(i => int.Parse(i.Data, CultureInfo.InvariantCulture)).Should().Equal(Enumerable.Range(0, 21).Select(i => i * 5));
        items[^1].Data.Should().MatchRegex(@"^job \d+ finished$");
    }

    [Fact]
    public async Task Logs_Tail_SendsLogEntriesAsJson()
    {
        using var response = await Client.OpenAsync("/logs");
        await using var events = await response.EventsAsync();

        var item = await events.NextAsync();

        item.EventType.Should().Be("log");
        using var json = JsonDocument.Parse(item.Data);
        json.RootElement.GetProperty("level").GetString().Should().NotBeNullOrEmpty();
        json.RootElement.GetProperty("category").GetString().Should().NotBeNullOrEmpty();
        json.RootElement.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        json.RootElement.GetProperty("time").GetDateTimeOffset().Should().NotBe(default);
    }
}
