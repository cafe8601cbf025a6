using System.Buffers;
using System.Text;
using CsCheck;
using static Tako.Sse.Mvc.Tests.SseRoundTrip;

// Namespace of the root, not of the folder: a Tests.Encoding namespace would hide System.Text.Encoding.
namespace Tako.Sse.Mvc.Tests;

/// <summary>The exact bytes of DESIGN.md's wire format, starting with every example of the Tako page.</summary>
public class SseEncoderWireFormatTests
{
    [Fact]
    public void Encode_SeedHello_WritesOneDataLine() =>
        EncodeToString(SseEvent.FromData("hello")).Should().Be("data: hello\n\n");

    [Fact]
    public void Encode_SeedGreetingWithId_WritesEventIdData() =>
        EncodeToString(SseEvent.FromData("again").WithEvent("greeting").WithId("1")).Should().Be("event: greeting\nid: 1\ndata: again\n\n");

    [Fact]
    public void Encode_SeedRetryFiveSeconds_WritesWholeMilliseconds() =>
        EncodeToString(SseEvent.FromRetry(TimeSpan.FromSeconds(5))).Should().Be("retry: 5000\n\n");

    [Fact]
    public void Encode_SeedComment_WritesCommentLine() =>
        EncodeToString(SseEvent.FromComment("invisible to EventSource")).Should().Be(": invisible to EventSource\n\n");

    [Fact]
    public void Encode_SeedResume_WritesIdThenData() =>
        EncodeToString(SseEvent.FromData("resuming after 41").WithId("42")).Should().Be("id: 42\ndata: resuming after 41\n\n");

    [Fact]
    public void EncodeKeepAlive_DefaultOptions_WritesSeedFrame()
    {
        var buffer = new ArrayBufferWriter<byte>();

        CreateEncoder().EncodeKeepAlive(buffer);

        Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Be(":keepalive\n\n");
    }

    [Fact]
    public void EncodeKeepAlive_CustomComment_WritesCommentFrame()
    {
        var buffer = new ArrayBufferWriter<byte>();

        CreateEncoder(new TakoSseOptions { KeepAliveComment = "ping ü" }).EncodeKeepAlive(buffer);

        buffer.WrittenSpan.ToArray().Should().Equal(Encoding.UTF8.GetBytes(":ping ü\n\n"));
    }

    [Fact]
    public void Encode_AllFields_WritesCommentEventIdRetryDataInOrder() =>
        EncodeToString(SseEvent.FromData("d").WithRetry(TimeSpan.FromMilliseconds(10)).WithId("7").WithEvent("e").WithComment("c"))
            .Should().Be(": c\nevent: e\nid: 7\nretry: 10\ndata: d\n\n");

    [Theory]
    [InlineData("a\r\nb", "data: a\ndata: b\n\n")]
    [InlineData("a\rb", "data: a\ndata: b\n\n")]
    [InlineData("a\nb", "data: a\ndata: b\n\n")]
    [InlineData("a\n\rb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("a\r\r\nb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("a\n", "data: a\ndata: \n\n")]
    [InlineData("a\r", "data: a\ndata: \n\n")]
    [InlineData("\n", "data: \ndata: \n\n")]
    [InlineData("", "data: \n\n")]
    [InlineData(" lead", "data:  lead\n\n")]
    [InlineData(":colon", "data: :colon\n\n")]
    [InlineData("\n\nevent:click\n\n", "data: \ndata: \ndata: event:click\ndata: \ndata: \n\n")]
    public void Encode_DataWithLineBreaks_SplitsIntoDataLines(string data, string expected) =>
        EncodeToString(SseEvent.FromData(data)).Should().Be(expected);

    [Theory]
    [InlineData("a\r\nb\rc\nd", ": a\n: b\n: c\n: d\n\n")]
    [InlineData("", ": \n\n")]
    [InlineData("x\n", ": x\n: \n\n")]
    public void Encode_CommentWithLineBreaks_SplitsIntoCommentLines(string comment, string expected) =>
        EncodeToString(SseEvent.FromComment(comment)).Should().Be(expected);

    [Fact]
    public void Encode_EmptyEventName_WritesNoEventLine() =>
        EncodeToString(SseEvent.FromData("x").WithEvent("")).Should().Be("data: x\n\n");

    [Fact]
    public void Encode_EmptyId_WritesEmptyIdLine() =>
        EncodeToString(SseEvent.FromData("x").WithId("")).Should().Be("id: \ndata: x\n\n");

    [Fact]
    public void Encode_GeneratedText_MatchesReferenceBytes()
    {
        var text = Gen.Frequency(
            (6, Gen.Char['a', 'z']),
            (3, Gen.OneOfConst('\r', '\n')),
            (1, Gen.OneOfConst('é', '€', '\uD83D', '\uDE00', '\uDC00', ' ', ':', '\0')))
            .Array[0, 300].Select(chars => new string(chars));

        text.Sample(MatchesReference, iter: 5_000, threads: 1);
    }

    [Fact]
    public void Encode_GeneratedMostlyAsciiText_MatchesReferenceBytes()
    {
        // Long ASCII runs with line breaks take the encoder's 32-chars-per-step path; a rare non-ASCII char
        // sends the rest through the general one.
        var text = Gen.Frequency(
            (400, Gen.Char['a', 'z']),
            (40, Gen.OneOfConst('\r', '\n', ' ', ':', '\0', '\x7F')),
            (1, Gen.OneOfConst('\x80', 'é', '\uD83D', '\uDE00')))
            .Array[0, 5000].Select(chars => new string(chars));

        text.Sample(MatchesReference, iter: 1_000, threads: 1);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    public void Encode_AsciiLinesOfEveryLength_MatchesReferenceBytes(string lineBreak)
    {
        // Every line length puts the breaks at every offset of the encoder's 32-char blocks, including a CRLF
        // split across two blocks, and a trailing break gives a trailing empty line.
        foreach (var lineLength in Enumerable.Range(0, 70))
        {
            var line = new string('x', lineLength);
            var data = string.Concat(Enumerable.Repeat(line + lineBreak, 300 / (lineLength + 1) + 3));
            MatchesReference(data).Should().BeTrue("lines of {0} chars", lineLength);
            MatchesReference(data + "tail").Should().BeTrue("lines of {0} chars and a tail", lineLength);
        }
    }

    [Theory]
    [InlineData('\n')]
    [InlineData('\r')]
    [InlineData('\x7F')]
    [InlineData('\x80')]
    [InlineData('é')]
    [InlineData('\uD83D')]
    [InlineData('\0')]
    public void Encode_ShortTextWithSpecialAtEveryPosition_MatchesReferenceBytes(char special)
    {
        // Under 32 chars the encoder narrows with two overlapping steps (or a loop under 8): a special char at
        // any position, in either step or in their overlap, must be seen.
        foreach (var length in Enumerable.Range(1, 40))
        {
            for (var position = 0; position < length; position++)
            {
                var chars = Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))).ToArray();
                chars[position] = special;
                var text = new string(chars);
                MatchesReference(text).Should().BeTrue("data of {0} chars with U+{1:X4} at {2}", length, (int)special, position);
                // Names and ids refuse line breaks (and ids NUL); a lone surrogate is written as U+FFFD.
                if (special is '\x7F' or '\x80' or 'é')
                {
                    var evt = SseEvent.FromData("x").WithEvent(text).WithId(text);
                    EncodeToString(evt).Should().Be($"event: {text}\nid: {text}\ndata: x\n\n", "name and id of {0} chars with U+{1:X4} at {2}", length, (int)special, position);
                }
            }
        }
    }

    [Fact]
    public void Encode_AsciiLineOfEveryLength_MatchesReferenceBytes()
    {
        // One line, walked 32 chars at a time with an overlapping last step; a break or non-ASCII char at the
        // very end must still send it to the general path.
        foreach (var length in Enumerable.Range(0, 100))
        {
            var line = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
            MatchesReference(line).Should().BeTrue("a line of {0} chars", length);
            MatchesReference(line + "\n").Should().BeTrue("a line of {0} chars and a break", length);
            MatchesReference(line + "é").Should().BeTrue("a line of {0} chars and a non-ASCII char", length);
        }
    }

    // The byte-exact oracle: one "data: " (or ": ") line per line of the normalized text, then a blank line.
    private static bool MatchesReference(string data)
    {
        var lines = Expected(data).Split('\n');
        var dataReference = string.Concat(lines.Select(l => "data: " + l + "\n")) + "\n";
        var commentReference = string.Concat(lines.Select(l => ": " + l + "\n")) + "\n";
        return Encode(SseEvent.FromData(data)).AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(dataReference))
            && Encode(SseEvent.FromComment(data)).AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(commentReference));
    }

    [Fact]
    public void Encode_Default_WritesNothing()
    {
        var buffer = new ArrayBufferWriter<byte>();

        CreateEncoder().Encode(default, buffer);

        buffer.WrittenCount.Should().Be(0);
    }

    [Fact]
    public void Encode_FractionalRetry_TruncatesToWholeMilliseconds() =>
        EncodeToString(SseEvent.FromRetry(TimeSpan.FromTicks((1500 * TimeSpan.TicksPerMillisecond) + 9999))).Should().Be("retry: 1500\n\n");

    [Fact]
    public void Encode_RetryBelowOneMillisecond_WritesZero() =>
        EncodeToString(SseEvent.FromRetry(TimeSpan.FromTicks(9999))).Should().Be("retry: 0\n\n");

    [Fact]
    public void Encode_MaxRetry_WritesAllDigits() =>
        EncodeToString(SseEvent.FromRetry(TimeSpan.MaxValue)).Should().Be($"retry: {TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond}\n\n");

    [Fact]
    public void Encode_NonAscii_WritesUtf8WithoutBom()
    {
        var bytes = Encode(SseEvent.FromData("é€😀").WithEvent("ü").WithId("ß"));

        bytes.Should().Equal(Encoding.UTF8.GetBytes("event: ü\nid: ß\ndata: é€😀\n\n"));
    }

    [Fact]
    public void Encode_LoneSurrogates_WritesReplacementCharacter()
    {
        // UTF-8 cannot carry a lone surrogate; like every .NET UTF-8 encoder, the encoder writes U+FFFD in data
        // (ids and event names refuse them: see SseEventValidationTests).
        EncodeToString(SseEvent.FromData("a\uD800b\uDC00\uDBFF")).Should().Be("data: a\uFFFDb\uFFFD\uFFFD\n\n");
    }

    [Fact]
    public void Encode_Unicode2028_IsNotALineBreak() =>
        EncodeToString(SseEvent.FromData("a\u2028b\u2029c\u0085d\fe")).Should().Be("data: a\u2028b\u2029c\u0085d\fe\n\n");

    [Fact]
    public void Encode_TwoEvents_AppendsToOutput()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var encoder = CreateEncoder();

        encoder.Encode(SseEvent.FromData("1"), buffer);
        encoder.Encode(SseEvent.FromData("2"), buffer);

        Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Be("data: 1\n\ndata: 2\n\n");
    }

    [Fact]
    public void Encode_NullOutput_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => CreateEncoder().Encode(SseEvent.FromData("x"), null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("output");

    [Fact]
    public void EncodeKeepAlive_NullOutput_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => CreateEncoder().EncodeKeepAlive(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("output");
}
