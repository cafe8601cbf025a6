namespace Tako.Sse.Mvc.Tests;

public class LastEventIdTests
{
    [Theory]
    [InlineData("42", "42")]
    [InlineData(" \t42\f\v ", "42")]
    [InlineData("a b", "a b")]
    public void TryParse_Text_TrimsAsciiWhitespace(string input, string expected)
    {
        LastEventId.TryParse(input, null, out var id).Should().BeTrue();
        id.Text.Should().Be(expected);
        id.Bytes.ToArray().Should().Equal(System.Text.Encoding.UTF8.GetBytes(expected));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t\r\n")]
    public void TryParse_NullEmptyOrWhitespace_Fails(string? input)
    {
        LastEventId.TryParse(input, null, out var id).Should().BeFalse();
        id.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Parse_Whitespace_ThrowsFormatException()
    {
        var parse = () => LastEventId.Parse("  ", null);
        parse.Should().Throw<FormatException>();
    }

    [Fact]
    public void Constructor_Whitespace_ThrowsArgumentException()
    {
        var create = () => new LastEventId(" ");
        create.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void FromBytes_NotUtf8_KeepsBytesWithoutText()
    {
        var id = LastEventId.FromBytes([0x20, 0x61, 0xFF, 0x62, 0x09]);

        id.Text.Should().BeNull();
        id.Bytes.ToArray().Should().Equal(0x61, 0xFF, 0x62);
        id.ToString().Should().Be("61FF62");
    }

    [Fact]
    public void FromBytes_Utf8_DecodesText()
    {
        LastEventId.FromBytes("café"u8).Text.Should().Be("café");
    }

    [Fact]
    public void Equals_SameBytes_AreEqual()
    {
        var a = new LastEventId("x7");
        var b = LastEventId.FromBytes("x7"u8);

        (a == b).Should().BeTrue();
        a.GetHashCode().Should().Be(b.GetHashCode());
        (a != new LastEventId("x8")).Should().BeTrue();
        default(LastEventId).ToString().Should().BeEmpty();
    }
}
