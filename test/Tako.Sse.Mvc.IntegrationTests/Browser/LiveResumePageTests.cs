using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.Sample.Services;
using Tako.Sse.Mvc.Sample.Tiles;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// The page's one stream dropped while chat messages and tiles are published: the reconnect sends the cursor as
// Last-Event-ID and every channel resumes from its history, with no gap and no duplicate.
[Collection(ChromiumCollection.Name)]
public class LiveResumePageTests(ChromiumFixture chromium)
{
    public sealed record TileSeen(int Value, long Seq);

    [SkippableFact]
    public async Task Live_StreamDroppedWhileChatAndTilesArePublished_ResumesEveryChannelWithNoGapOrDuplicate()
    {
        var gate = new ReconnectGate("/live");
        await using var sample = await OwnSample.StartAsync(chromium, gate.AddTo);
        var app = sample.App;
        var tiles = app.Services.GetRequiredService<TileSimulator>();
        await using var page = await sample.OpenAsync();
        await page.WaitForAsync(LivePage.Ready);
        await page.WaitForAsync("() => Object.keys(window.sample.tiles.values).length === 3");
        var tag = Guid.NewGuid().ToString("N")[..8];
        await ChatPageTests.SendAsync(page, $"before {tag}");
        await page.WaitForAsync(LivePage.Received, $"before {tag}");

        // The page's drop button ends the stream on the server; the browser's reconnect is held there.
        await page.Page.ClickAsync("#chat-drop");
        await page.WaitForAsync("() => window.sample.states.live === 'reconnecting'");
        await gate.Held.WaitAsync(SamplePage.Deadline);

        // Meanwhile: three chat messages, and at least two rounds of the three tiles.
        var roundsAtDrop = tiles.Rounds;
        string[] missed = [$"missed one {tag}", $"missed two {tag}", $"missed three {tag}"];
        foreach (var text in missed)
        {
            using var response = await app.Client.PostAsJsonAsync("/chat", new { name = "writer", text });
            response.EnsureSuccessStatusCode();
        }

        await Poll.UntilAsync(() => tiles.Rounds >= roundsAtDrop + 2, "two rounds of tiles published while the page was away");
        var roundsBeforeRelease = tiles.Rounds;
        gate.Release();
        await page.WaitForAsync(LivePage.Received, missed[^1]);
        await page.WaitForAsync(
            "seq => Object.values(window.sample.tiles.values).every(t => t.seq >= seq)", roundsBeforeRelease);

        // Each chat message once, in order, the missed ones from the history.
        var lines = (await page.ReadAsync<List<ChatPageTests.ChatLine>>("window.sample.chat.messages"))
            .Where(m => m.Text.EndsWith(tag, StringComparison.Ordinal)).ToList();
        lines.Select(m => m.Text).Should().Equal([$"before {tag}", .. missed]);
        lines.Skip(1).Should().OnlyContain(m => m.Missed, "they were published while the stream was down");
        (await page.TextAsync("#chat-duplicates")).Should().Be("0");
        (await page.TextAsync("#chat-gaps")).Should().Be("0");

        // Every tile's seq arrived once and in order, across the drop.
        (await page.ReadAsync<List<object>>("window.sample.shared.gaps")).Should().BeEmpty("every channel's history held what the page missed");
        (await page.ReadAsync<int>("window.sample.tiles.skipped")).Should().Be(0);
        (await page.ReadAsync<int>("window.sample.tiles.duplicates")).Should().Be(0);
        var seen = await page.ReadAsync<List<string>>("window.sample.tiles.seen");
        seen.Should().OnlyHaveUniqueItems();
        foreach (var name in TileSimulator.Names)
        {
            seen.Should().Contain($"{name}:{roundsAtDrop + 1}", "a round published while the page was away").And.Contain($"{name}:{roundsAtDrop + 2}");
        }

        // The server's log shows the resume with the cursor the browser held when the stream went down.
        var client = await page.ReadAsync<string>("window.sample.shared.client");
        var cursor = (await page.ReadAsync<List<string>>("window.sample.shared.resumedFrom")).Single();
        cursor.Should().StartWith("t1");
        var resumed = app.Logs.GetSnapshot().Where(r => r.Id.Name == "LiveStreamResumed" && r.GetStructuredStateValue("ClientTag") == ClientIds.Tag(client)).ToList();
        resumed.Select(r => r.GetStructuredStateValue("LastEventId")).Should().Equal([cursor]);
        resumed[0].GetStructuredStateValue("ChannelCount").Should().Be("4");
        resumed[0].Message.Should().Contain(cursor);
        (await page.ReadAsync<List<string>>("window.sample.stateHistory.live")).Should().ContainInOrder("connecting", "open", "reconnecting", "open");
        (await page.ReadAsync<int>("window.sample.chat.drops")).Should().Be(1);
        page.Errors.Should().BeEmpty();
    }
}
