using System.Text;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>Unit tests of the ids, the stored event and the announcement, without Redis.</summary>
public sealed class WireFormatTests
{
    [Theory]
    [InlineData("0-0", 0UL, 0UL)]
    [InlineData("1732838400000-0", 1732838400000UL, 0UL)]
    [InlineData("1-18446744073709551615", 1UL, ulong.MaxValue)]
    public void RedisStreamId_TryParse_WellFormed_Parses(string text, ulong milliseconds, ulong sequence)
    {
        RedisStreamId.TryParse(text, out var id).Should().BeTrue();
        id.Should().Be(new RedisStreamId(milliseconds, sequence));
        id.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("17")]
    [InlineData("17-")]
    [InlineData("-1")]
    [InlineData("01-1")]
    [InlineData("1-01")]
    [InlineData("+1-1")]
    [InlineData("1-1 ")]
    [InlineData("1-1-1")]
    [InlineData("a-1")]
    [InlineData("18446744073709551616-0")]
    public void RedisStreamId_TryParse_Malformed_Fails(string text) =>
        RedisStreamId.TryParse(text, out _).Should().BeFalse();

    [Fact]
    public void RedisStreamId_Compare_OrdersByTimeThenSequence()
    {
        var ids = new[] { "2-0", "1-10", "1-2", "10-0" }.Select(RedisStreamId.Parse).Order().Select(i => i.ToString());

        ids.Should().Equal("1-2", "1-10", "2-0", "10-0");
    }

    [Fact]
    public void RedisProtocol_Payload_EveryField_RoundTrips()
    {
        var sseEvent = SseEvent.FromData("a\nb \"quoted\" \u00e9").WithEvent("name").WithComment("note").WithRetry(TimeSpan.FromSeconds(2));

        RedisProtocol.TryDeserialize(RedisProtocol.Serialize(sseEvent), out var back).Should().BeTrue();

        back.Should().Be(sseEvent);
    }

    [Fact]
    public void RedisProtocol_Payload_CommentOrRetryOnly_RoundTrips()
    {
        foreach (var sseEvent in new[] { SseEvent.FromComment("c"), SseEvent.FromRetry(TimeSpan.FromSeconds(1)) })
        {
            RedisProtocol.TryDeserialize(RedisProtocol.Serialize(sseEvent), out var back).Should().BeTrue();
            back.Should().Be(sseEvent);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("{\"data\":\"x\",\"event\":\"bad\\nname\"}")]
    public void RedisProtocol_Payload_NotOurs_IsRejected(string json) =>
        RedisProtocol.TryDeserialize(Encoding.UTF8.GetBytes(json), out _).Should().BeFalse();

    [Fact]
    public void TryParseAnnouncement_IdPreviousAndPayload_Splits()
    {
        var message = Encoding.UTF8.GetBytes("5-1\n5-0\n{\"data\":\"x\\ny\"}");

        RedisProtocol.TryParseAnnouncement(message, out var id, out var previous, out var payload).Should().BeTrue();

        id.Should().Be(new RedisStreamId(5, 1));
        previous.Should().Be(new RedisStreamId(5, 0));
        Encoding.UTF8.GetString(payload.Span).Should().Be("{\"data\":\"x\\ny\"}");
    }

    [Theory]
    [InlineData("5-1")]
    [InlineData("5-1\n5-0")]
    [InlineData("x\n5-0\n{}")]
    public void TryParseAnnouncement_Malformed_Fails(string text) =>
        RedisProtocol.TryParseAnnouncement(Encoding.UTF8.GetBytes(text), out _, out _, out _).Should().BeFalse();
}
