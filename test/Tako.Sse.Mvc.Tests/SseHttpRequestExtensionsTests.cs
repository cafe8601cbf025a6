using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Tako.Sse.Mvc.Tests;

public class SseHttpRequestExtensionsTests
{
    [Theory]
    [InlineData("42", "42")]
    [InlineData("\v 42 \f", "42")]
    [InlineData("a\u0001b", "a\u0001b")]
    [InlineData("a, b", "a, b")]
    public void GetLastEventId_Value_IsTrimmed(string header, string expected)
    {
        var request = Request(header);

        request.GetLastEventId().Should().Be(expected);
        request.GetLastEventIdBytes().Should().Equal(System.Text.Encoding.UTF8.GetBytes(expected));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public void GetLastEventId_AbsentEmptyOrWhitespace_IsNull(string? header)
    {
        var request = Request(header);

        request.GetLastEventId().Should().BeNull();
        request.GetLastEventIdBytes().Should().BeNull();
    }

    [Fact]
    public void GetLastEventId_Repeated_IsNull()
    {
        var request = Request(null);
        request.Headers[SseHeaderNames.LastEventId] = new StringValues(["1", "2"]);

        request.GetLastEventId().Should().BeNull();
        request.GetLastEventIdBytes().Should().BeNull();
    }

    [Fact]
    public void GetLastEventId_NonAsciiTextWithoutKnownServer_IsTakenAsUtf8()
    {
        var request = Request("café");

        request.GetLastEventId().Should().Be("café");
        request.GetLastEventIdBytes().Should().Equal("café"u8.ToArray());
    }

    [Fact]
    public void GetLastEventId_NullRequest_Throws()
    {
        var read = () => SseHttpRequestExtensions.GetLastEventId(null!);
        read.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void GetLastEventId_UnpaddedValue_ReturnsTheHeaderStringItself()
    {
        var header = "7";
        Request(header).GetLastEventId().Should().BeSameAs(header);
    }

    private static HttpRequest Request(string? lastEventId)
    {
        var context = new DefaultHttpContext();
        if (lastEventId is not null)
        {
            context.Request.Headers[SseHeaderNames.LastEventId] = lastEventId;
        }

        return context.Request;
    }
}
