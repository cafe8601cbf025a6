using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Resume;

public class ResumeTests
{
    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task Resume_ClientDropsMidStream_ReconnectGetsTheRestExactlyOnce(HttpProtocols protocols)
    {
        await using var app = await TestApp.StartAsync(
            services: s => s.AddTakoSse().Services.AddSingleton<NumberFeed>(),
            pipeline: a => a.UseSseHeaders(),
            protocols: protocols);
        var feed = app.Services.GetRequiredService<NumberFeed>();
        var received = new List<SseItem<string>>();

        // First connection: read 1..7 while the stream is live, then drop it mid-stream.
        feed.Publish(1, 5);
        using (var first = await app.Client.OpenAsync("/resume/numbers"))
        {
            await using var events = await first.EventsAsync();
            for (var i = 0; i < 5; i++)
            {
                received.Add(await events.NextAsync());
            }

            feed.Publish(6, 7);
            received.Add(await events.NextAsync());
            received.Add(await events.NextAsync());
        }

        // Published while the client is away: nothing of it may be lost.
        feed.Publish(8, 12);
        var cursor = received[^1].EventId;
        using var second = await app.Client.OpenAsync("/resume/numbers", r => r.Headers.Add("Last-Event-ID", cursor));
        await using (var events = await second.EventsAsync())
        {
            for (var i = 0; i < 5; i++)
            {
                received.Add(await events.NextAsync());
            }

            feed.Publish(13, 15);
            feed.Complete();
            while (await events.MoveNextAsync().AsTask().WaitAsync(Poll.Deadline))
            {
                received.Add(events.Current);
            }
        }

        cursor.Should().Be("7");
        received.Select(e => e.EventId).Should().Equal(Enumerable.Range(1, 15).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        received.Select(e => e.Data).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Resume_PolyfillSendsCursorInQuery_GetsTheRest()
    {
        await using var app = await TestApp.StartAsync(services: s => s.AddTakoSse().Services.AddSingleton<NumberFeed>());
        var feed = app.Services.GetRequiredService<NumberFeed>();
        feed.Publish(1, 6);
        feed.Complete();

        using var response = await app.Client.OpenAsync("/resume/numbers?lastEventId=4");

        (await response.ReadAllAsync()).Select(e => e.EventId).Should().Equal("5", "6");
    }
}
