namespace Tako.Sse.Mvc.Tests.Channels;

/// <summary>Channel names reach logs and metrics: characters that forge or disguise lines there are refused.</summary>
public class SseChannelNamesFormattingTests
{
    [Theory]
    [InlineData("chat\u2028forged")]
    [InlineData("chat\u2029forged")]
    [InlineData("user#\u202E24")]
    [InlineData("a\u2066b")]
    [InlineData("a\u200Fb")]
    [InlineData("a\u061Cb")]
    [InlineData("a\nb")]
    public void Validate_LineSeparatorOrBidiFormatting_Throws(string channel)
    {
        var validate = () => SseChannelNames.Validate(channel, "channel");

        validate.Should().Throw<ArgumentException>().WithParameterName("channel").WithMessage("*bidirectional formatting*");
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("notifications#42")]
    [InlineData("日本語-チャンネル")]
    [InlineData("שלום")]
    public void Validate_OrdinaryName_Passes(string channel)
    {
        var validate = () => SseChannelNames.Validate(channel, "channel");

        validate.Should().NotThrow();
    }
}
