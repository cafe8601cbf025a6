using Microsoft.AspNetCore.Http;
using static Tako.Sse.Mvc.Tests.SseRoundTrip;

// Namespace of the root, not of the folder: a Tests.Encoding namespace would hide System.Text.Encoding.
namespace Tako.Sse.Mvc.Tests;

public class SseEncoderHeadersTests
{
    [Theory]
    [InlineData("HTTP/1.1")]
    [InlineData("HTTP/1.0")]
    public void ApplyHeaders_Http1_SetsProxySafeHeadersWithConnection(string protocol)
    {
        var response = CreateResponse(protocol);

        CreateEncoder().ApplyHeaders(response);

        response.Headers.ContentType.ToString().Should().Be("text/event-stream");
        response.Headers.CacheControl.ToString().Should().Be("no-cache, no-store, must-revalidate");
        response.Headers["X-Accel-Buffering"].ToString().Should().Be("no");
        response.Headers.Connection.ToString().Should().Be("keep-alive");
    }

    [Theory]
    [InlineData("HTTP/2")]
    [InlineData("HTTP/3")]
    public void ApplyHeaders_Http2Or3_SetsProxySafeHeadersWithoutConnection(string protocol)
    {
        var response = CreateResponse(protocol);

        CreateEncoder().ApplyHeaders(response);

        response.Headers.ContentType.ToString().Should().Be("text/event-stream");
        response.Headers.CacheControl.ToString().Should().Be("no-cache, no-store, must-revalidate");
        response.Headers["X-Accel-Buffering"].ToString().Should().Be("no");
        response.Headers.ContainsKey("Connection").Should().BeFalse();
    }

    [Fact]
    public void ApplyHeaders_CustomCacheControl_UsesOption()
    {
        var response = CreateResponse("HTTP/2");

        CreateEncoder(new TakoSseOptions { CacheControl = "no-cache" }).ApplyHeaders(response);

        response.Headers.CacheControl.ToString().Should().Be("no-cache");
    }

    [Fact]
    public void ApplyHeaders_NullResponse_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => CreateEncoder().ApplyHeaders(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("response");

    private static HttpResponse CreateResponse(string protocol)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = protocol;
        return context.Response;
    }
}
