using System.Net.ServerSentEvents;
using System.Text.Json;
using Xunit.Abstractions;

namespace Tako.Sse.Mvc.AotTests;

/// <summary>A minimal-API app on both packages, published with Native AOT, streaming from its native binary.</summary>
public sealed class NativeAotTests(AotPublish aot, ITestOutputHelper output) : IClassFixture<AotPublish>
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void Publish_AotApp_SucceedsWithNoTrimOrAotWarning()
    {
        aot.PublishExitCode.Should().Be(0, "dotnet publish with PublishAot=true must succeed:\n" + aot.PublishOutput);
        aot.PublishOutput.Should().NotContainAny(["warning IL", "warning IL3", "warning"], "the packages are trim- and AOT-safe:\n" + aot.PublishOutput);
        File.Exists(aot.Binary).Should().BeTrue();
        output.WriteLine($"native binary: {new FileInfo(aot.Binary).Length / 1024.0 / 1024.0:F1} MB; process start to listening: {aot.StartUp.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task NativeApp_StructuredEvents_ReadBackBySseParser()
    {
        var events = await ReadAllAsync("/events");

        events.Select(e => (e.EventType, e.EventId, e.Data)).Should().Equal(
            ("tick", "1", "tick 1\nline two"),
            ("tick", "2", "tick 2\nline two"),
            ("tick", "3", "tick 3\nline two"));
    }

    [Fact]
    public async Task NativeApp_JsonWithSourceGeneratedContext_ReadBackBySseParser()
    {
        var events = await ReadAllAsync("/orders");

        events.Select(e => (e.EventType, e.EventId)).Should().Equal(("order", "1"), ("order", "2"));
        using var first = JsonDocument.Parse(events[0].Data);
        first.RootElement.GetProperty("customer").GetString().Should().Be("Zoë");
        first.RootElement.GetProperty("total").GetDecimal().Should().Be(9.5m);
    }

    [SkippableFact]
    public async Task NativeApp_ChannelOnRedis_ResumesAfterLastEventId()
    {
        Skip.If(aot.RedisSkipReason is not null, aot.RedisSkipReason);
        using var client = CreateClient();
        (await client.GetStringAsync("/hub")).Should().Be("RedisSseHub", "the app runs AddStackExchangeRedis");

        // Published through the native binary's PublishJsonAsync with a source-generated contract.
        var ids = new List<string>();
        foreach (var text in new[] { "one", "two", "three" })
        {
            using var posted = await client.PostAsync("/board/" + text, content: null);
            posted.EnsureSuccessStatusCode();
            ids.Add(await posted.Content.ReadAsStringAsync());
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/board");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", ids[0]);
        using var timeout = new CancellationTokenSource(s_deadline);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        var missed = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token))
        {
            missed.Add(item);
            if (missed.Count == 2)
            {
                break;
            }
        }

        missed.Select(e => (e.EventType, e.EventId, e.Data)).Should().Equal(
            ("note", ids[1], "{\"text\":\"two\"}"),
            ("note", ids[2], "{\"text\":\"three\"}"));
    }

    private HttpClient CreateClient()
    {
        aot.BaseAddress.Should().NotBeNull("the native app started:\n" + aot.PublishOutput);
        return new HttpClient { BaseAddress = aot.BaseAddress, Timeout = s_deadline };
    }

    private async Task<List<SseItem<string>>> ReadAllAsync(string path)
    {
        using var client = CreateClient();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            items.Add(item);
        }

        return items;
    }
}
