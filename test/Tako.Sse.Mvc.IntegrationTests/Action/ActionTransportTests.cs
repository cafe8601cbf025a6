using System.IO.Compression;
using System.Net;
using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>What sits between the stream and the client: a compression middleware, HTTP/2.</summary>
public class ActionTransportTests
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task SseActionResult_BehindResponseCompression_EachEventArrivesWhileTheSourceWaits(string encoding)
    {
        await using var app = await ActionApp.StartAsync(
            services: s => s.AddResponseCompression(o => o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Append("text/event-stream")),
            pipeline: a => a.UseResponseCompression());
        using var response = await app.Client.OpenAsync("/action/gated?ready=1", r => r.Headers.AcceptEncoding.ParseAdd(encoding));

        response.Content.Headers.ContentEncoding.Should().Equal(encoding);
        var body = await response.Content.ReadAsStreamAsync();
        await using var decompressed = encoding == "gzip" ? (Stream)new GZipStream(body, CompressionMode.Decompress) : new BrotliStream(body, CompressionMode.Decompress);
        await using var events = SseParser.Create(decompressed).EnumerateAsync().GetAsyncEnumerator();

        // The compressor is flushed with every write, so the event is readable while the source still waits.
        (await events.NextAsync()).Data.Should().Be("ready 1");
        app.Probe().Count("disposed").Should().Be(0);
        app.Probe().Open("gate");
        (await events.NextAsync()).Data.Should().Be("after");
    }

    [Fact]
    public async Task SseActionResult_BehindResponseCompression_HttpClientAutomaticDecompressionStreams()
    {
        await using var app = await ActionApp.StartAsync(
            services: s => s.AddResponseCompression(o => o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Append("text/event-stream")),
            pipeline: a => a.UseResponseCompression());
        using var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }) { BaseAddress = app.BaseAddress };
        using var response = await client.OpenAsync("/action/gated?ready=2");
        await using var events = await response.EventsAsync();

        (await events.NextAsync()).Data.Should().Be("ready 1");
        (await events.NextAsync()).Data.Should().Be("ready 2");
        app.Probe().Count("disposed").Should().Be(0);
        app.Probe().Open("gate");
        (await events.NextAsync()).Data.Should().Be("after");
    }

    [Fact]
    public async Task SseActionResult_OverH2c_StreamsWithoutConnectionHeaderOrWarnings()
    {
        await using var app = await ActionApp.StartAsync(protocols: HttpProtocols.Http2);
        using var response = await app.Client.OpenAsync("/action/gated?ready=1");

        response.Version.Should().Be(HttpVersion.Version20);
        response.Headers.Connection.Should().BeEmpty();
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        await using (var events = await response.EventsAsync())
        {
            (await events.NextAsync()).Data.Should().Be("ready 1");
            app.Probe().Count("disposed").Should().Be(0);
            app.Probe().Open("gate");
            (await events.NextAsync()).Data.Should().Be("after");
        }

        await app.Logs.WaitForRequestsFinishedAsync(1);
        app.Logs.Above(LogLevel.Information).Should().BeEmpty("Kestrel warns when a connection-specific header is sent on h2");
    }
}
