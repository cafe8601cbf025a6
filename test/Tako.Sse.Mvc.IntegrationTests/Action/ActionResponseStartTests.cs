namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>How a stream starts: status and headers, sent at once, and the retry hint first.</summary>
public class ActionResponseStartTests
{
    [Fact]
    public async Task SseActionResult_Http11_SendsDesignHeaders()
    {
        await using var app = await ActionApp.StartAsync(o => o.CacheControl = "no-cache");
        using var response = await app.Client.OpenAsync("/action/gated?ready=0");

        ((int)response.StatusCode).Should().Be(200);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/event-stream");
        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be("no-cache");
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        response.Headers.Connection.Should().Contain("keep-alive");

        // Nothing (Content-Length, a buffering body) may make the client wait for the whole response.
        response.Content.Headers.ContentLength.Should().BeNull();
        response.Headers.TransferEncodingChunked.Should().BeTrue();
    }

    [Fact]
    public async Task SseActionResult_SourceSilent_HeadersArriveBeforeAnyEvent()
    {
        await using var app = await ActionApp.StartAsync();

        // OpenAsync returns when the headers are in; the source has not produced anything and never will.
        using var response = await app.Client.OpenAsync("/action/silent");

        ((int)response.StatusCode).Should().Be(200);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        await app.Probe().WaitForAsync("started");
        app.Probe().Count("disposed").Should().Be(0, "the source is still waiting: the headers did not wait for it");
    }

    [Fact]
    public async Task SseActionResult_RetryOption_IsTheFirstFrame()
    {
        await using var app = await ActionApp.StartAsync(o => o.Retry = TimeSpan.FromSeconds(3));
        using var response = await app.Client.OpenAsync("/action/silent");
        await using var raw = await RawEventStream.OpenAsync(response);

        // Sent with the headers, before the (silent) source produced anything.
        (await raw.ReadThroughAsync("\n\n")).Should().Be("retry: 3000\n\n");
    }

    [Fact]
    public async Task SseActionResult_NoRetryOption_FirstFrameIsTheFirstEvent()
    {
        await using var app = await ActionApp.StartAsync();
        using var response = await app.Client.OpenAsync("/action/gated?ready=1");
        await using var raw = await RawEventStream.OpenAsync(response);

        (await raw.ReadThroughAsync("\n\n")).Should().Be("id: 1\ndata: ready 1\n\n");
    }
}
