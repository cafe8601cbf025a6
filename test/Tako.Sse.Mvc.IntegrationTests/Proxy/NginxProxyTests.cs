namespace Tako.Sse.Mvc.IntegrationTests.Proxy;

/// <summary>
/// The package's main promise through a real nginx with its default buffering and a 3 s read timeout: events
/// arrive at once (X-Accel-Buffering: no) and a silent stream lives on keep-alive comments.
/// </summary>
public sealed class NginxProxyTests(NginxFixture fixture) : IClassFixture<NginxFixture>
{
    [SkippableTheory]
    [InlineData(NginxUpstream.Http10Default)]
    [InlineData(NginxUpstream.Http11Recipe)]
    public async Task Events_ThroughBufferingNginx_ArriveOneByOneWhileTheStreamStaysOpen(NginxUpstream mode)
    {
        var proxy = fixture.Proxy(mode);
        var name = $"events-{mode}";
        var events = fixture.Open(name);
        using var client = CreateClient(proxy);
        using var response = await client.OpenAsync($"/proxy/{name}");
        await using var stream = await response.EventsAsync();

        // Buffered, an event would wait for 4-8 KB of later output (minutes of keep-alives): each one must come
        // through before the next is even produced.
        for (var i = 1; i <= 3; i++)
        {
            await events.WriteAsync(SseEvent.FromData($"event {i}").WithId($"{i}"));
            var item = await stream.NextAsync();
            (item.Data, item.EventId).Should().Be(($"event {i}", $"{i}"));
        }

        events.Complete();
    }

    [SkippableTheory]
    [InlineData(NginxUpstream.Http10Default)]
    [InlineData(NginxUpstream.Http11Recipe)]
    public async Task SilentStream_LongerThanTheReadTimeout_SurvivesOnKeepAlive(NginxUpstream mode)
    {
        var proxy = fixture.Proxy(mode);
        var name = $"silent-{mode}";
        var events = fixture.Open(name);
        using var client = CreateClient(proxy);
        using var response = await client.OpenAsync($"/proxy/{name}");
        await using var reader = await RawEventStream.OpenAsync(response);

        // Five keep-alives at 1 s: more than the 3 s after which nginx closes an upstream that sent nothing.
        await reader.ReadUntilAsync(text => Occurrences(text, ":keepalive\n\n") >= 5, "five keep-alive comments");
        await events.WriteAsync(SseEvent.FromData("still here"));
        var body = await reader.ReadUntilAsync(text => text.Contains("data: still here\n\n", StringComparison.Ordinal), "the event after the silence");

        var keepAlives = Occurrences(body, ":keepalive\n\n");
        body.Should().Be(string.Concat(Enumerable.Repeat(":keepalive\n\n", keepAlives)) + "data: still here\n\n");
        events.Complete();
    }

    [SkippableFact]
    public async Task SilentStream_WithoutKeepAlive_IsClosedByNginxAfterTheReadTimeout()
    {
        // The control: the timeout is real, so the previous test proves that the keep-alive is what kept it open.
        var proxy = fixture.Proxy(NginxUpstream.Http11Recipe);
        var name = "no-keepalive";
        var events = fixture.Open(name);
        using var client = CreateClient(proxy);
        using var response = await client.OpenAsync($"/proxy/{name}/no-keepalive");
        await using var reader = await RawEventStream.OpenAsync(response);

        // nginx gives up on the upstream and cuts the response short (no last chunk).
        var read = () => reader.ReadUntilAsync(_ => false, "the end of the stream");

        (await read.Should().ThrowAsync<Exception>()).Which.Should().Match(e => e is InvalidOperationException || e is HttpIOException);
        await Poll.UntilAsync(() => proxy.ErrorLog().Contains("upstream timed out", StringComparison.Ordinal), "nginx to log the upstream timeout");
        events.Complete();
    }

    private static HttpClient CreateClient(NginxProcess proxy) => new() { BaseAddress = proxy.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };

    private static int Occurrences(string text, string marker)
    {
        var count = 0;
        for (var i = text.IndexOf(marker, StringComparison.Ordinal); i >= 0; i = text.IndexOf(marker, i + marker.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
