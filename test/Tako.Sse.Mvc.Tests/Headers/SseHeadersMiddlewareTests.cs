using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Moq;

namespace Tako.Sse.Mvc.Tests.Headers;

public class SseHeadersMiddlewareTests
{
    [Theory]
    [InlineData("text/event-stream", true)]
    [InlineData("TEXT/Event-Stream", true)]
    [InlineData("text/event-stream; charset=utf-8", true)]
    [InlineData("text/event-stream ;charset=utf-8", true)]
    [InlineData("text/event-streams", false)]
    [InlineData("text/plain", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsEventStream_ContentType_MatchesTheMediaTypeOnly(string? contentType, bool expected)
    {
        SseHeadersMiddleware.IsEventStream(contentType).Should().Be(expected);
    }

    [Fact]
    public void Apply_AfterTheEncoderAlreadyApplied_LeavesOneOfEachHeader()
    {
        var encoder = Encoder();
        var context = Context("HTTP/1.1");
        encoder.ApplyHeaders(context.Response);

        SseHeadersMiddleware.Apply(context, encoder);
        SseHeadersMiddleware.Apply(context, encoder);

        var headers = context.Response.Headers;
        headers.ContentType.Should().Equal("text/event-stream");
        headers.CacheControl.Should().Equal("no-cache, no-store, must-revalidate");
        headers["X-Accel-Buffering"].Should().Equal("no");
        headers.Connection.Should().Equal("keep-alive");
    }

    [Fact]
    public void Apply_EndpointCacheControl_IsKept()
    {
        var context = Context("HTTP/1.1");
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";

        SseHeadersMiddleware.Apply(context, Encoder());

        context.Response.Headers.CacheControl.Should().Equal("no-cache");
        context.Response.ContentType.Should().Be("text/event-stream; charset=utf-8");
    }

    [Theory]
    [InlineData("HTTP/2")]
    [InlineData("HTTP/3")]
    public void Apply_Http2OrLater_SendsNoConnectionHeader(string protocol)
    {
        var context = Context(protocol);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.Connection = "keep-alive";

        SseHeadersMiddleware.Apply(context, Encoder());

        context.Response.Headers.ContainsKey("Connection").Should().BeFalse();
        context.Response.Headers["X-Accel-Buffering"].Should().Equal("no");
    }

    [Fact]
    public void Apply_EventStream_DisablesBuffering()
    {
        var body = new Mock<IHttpResponseBodyFeature>();
        var context = Context("HTTP/1.1");
        context.Features.Set(body.Object);
        context.Response.ContentType = "text/event-stream";

        SseHeadersMiddleware.Apply(context, Encoder());

        body.Verify(b => b.DisableBuffering(), Times.Once);
    }

    private static SseEncoder Encoder() => new(Options.Create(new TakoSseOptions()));

    private static DefaultHttpContext Context(string protocol)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = protocol;
        return context;
    }
}
